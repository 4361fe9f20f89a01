// The processes an end-to-end test starts (daemons, `ocx devnet`): each in its own process group, its output kept for
// failure messages, its stop registered before anything waits on it, so a set-up that fails or times out still ends it.
import { type ChildProcess, spawn } from "node:child_process";
import { type Cleanup, trackChild } from "@ocx/node-kit";

/** A process a test started. */
export interface TestProcess {
  readonly child: ChildProcess;
  /** What failure messages call it: "provider 1", "ocx devnet". */
  readonly name: string;
  /** Everything it printed so far, stdout and stderr as they came. */
  log(): string;
  /** Whether it still runs. */
  running(): boolean;
  /**
   * Sends `signal` (default SIGTERM) and waits until it exits; if it has not after `graceMs` (default 15 s), kills
   * its whole process group (what it started, too). A no-op for a process that has already exited.
   */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args: string[];
  /** Added to this process's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Where its stop is registered, before this function returns. */
  defer: Cleanup["defer"];
  /** Passed to `stop()` when the cleanup runs. Default: SIGTERM with 15 s of grace. */
  stopOptions?: { signal?: NodeJS.Signals; graceMs?: number };
}

/** SIGKILLs every process in the group led by `pid`; nothing happens when the group is gone. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: no process is left in the group.
  }
}

/** The process groups started here and not yet stopped: killed outright if this process exits first. */
const groups = new Set<number>();
process.on("exit", () => {
  for (const pid of groups) killGroup(pid);
});

/**
 * Spawns `command` as the leader of a new process group, keeps its output, and registers its stop with `defer` at
 * once. It is also tracked by node-kit's `trackChild`, and its group is killed if this process exits first.
 * @example
 * const cleanup = createCleanup();
 * const node = startProcess({ name: "provider", command: process.execPath, args: [BIN, "--config", file],
 *   defer: cleanup.defer });
 * afterAll(() => cleanup.run());
 */
export function startProcess(options: StartProcessOptions): TestProcess {
  const child = trackChild(
    spawn(options.command, options.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    }),
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d;
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d;
  });
  if (child.pid !== undefined) groups.add(child.pid);
  const running = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((resolve) => {
    if (!running()) resolve();
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  const stop = async ({ signal = "SIGTERM", graceMs = 15_000 }: { signal?: NodeJS.Signals; graceMs?: number } = {}) => {
    if (running()) {
      child.kill(signal);
      const timer = setTimeout(() => killGroup(child.pid), graceMs);
      await exited;
      clearTimeout(timer);
    }
    // Whatever it started and left in its group (the leader may have died without ending its children).
    killGroup(child.pid);
    if (child.pid !== undefined) groups.delete(child.pid);
  };
  options.defer(() => stop(options.stopOptions));
  return { child, name: options.name, log: () => output, running, stop };
}
