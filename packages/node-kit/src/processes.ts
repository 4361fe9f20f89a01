// Nothing a tool or a test starts may outlive it: child processes are registered and killed when this process
// exits, and a set-up that fails part-way undoes what it had already started.
import { type ChildProcess, execFileSync } from "node:child_process";

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAll(): void {
  for (const child of children) {
    // `exit` handlers must be synchronous: SIGKILL now, nothing to wait for.
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
}

/**
 * On SIGTERM, SIGINT or SIGHUP with no other handler (a test runner ending its worker, Ctrl-C), kill the children,
 * then let the signal end this process as it would have. A process with its own handler (a daemon's graceful
 * shutdown) keeps it: its children are killed by the exit hook once it exits.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  killAll();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

/**
 * Registers `child` so that it is killed (SIGKILL) when this process exits: normally, through an uncaught
 * exception, or by SIGTERM/SIGINT/SIGHUP when nothing else handles them; even if whoever started it never stops
 * it. The child leaves the registry when it exits. (A process killed with SIGKILL runs no handler; nothing in
 * Node can cover that case.)
 * @example
 * const child = spawn(anvilBinary(), args);
 * trackChild(child);
 */
export function trackChild(child: ChildProcess): ChildProcess {
  if (!exitHookInstalled) {
    process.on("exit", killAll);
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, onSignal);
    exitHookInstalled = true;
  }
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/**
 * The process ids of the registered children that still run.
 * @example
 * const anvil = await startAnvil();
 * trackedPids().includes(anvil.pid); // true
 */
export function trackedPids(): number[] {
  return [...children].flatMap((child) =>
    child.pid !== undefined && child.exitCode === null && child.signalCode === null ? [child.pid] : [],
  );
}

/**
 * Whether a process with id `pid` exists (signal 0 checks without sending anything).
 * @example
 * await anvil.stop();
 * isProcessAlive(anvil.pid); // false
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A stack of teardowns: `defer` adds one, `run` runs them all, last added first. */
export interface Cleanup {
  /** Adds a teardown; it runs before every teardown added earlier. */
  defer(teardown: () => unknown): void;
  /** Runs every teardown once, last added first; throws an `AggregateError` naming those that failed. */
  run(): Promise<void>;
}

/**
 * Creates an empty stack of teardowns.
 * @example
 * const cleanup = createCleanup();
 * const anvil = await startAnvil();
 * cleanup.defer(() => anvil.stop());
 * await cleanup.run();
 */
export function createCleanup(): Cleanup {
  const teardowns: (() => unknown)[] = [];
  return {
    defer(teardown) {
      teardowns.push(teardown);
    },
    async run() {
      const failures: unknown[] = [];
      while (teardowns.length > 0) {
        const teardown = teardowns.pop() as () => unknown;
        try {
          await teardown();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) {
        throw new AggregateError(failures, `${failures.length} teardown(s) failed: ${failures.map(String).join("; ")}`);
      }
    },
  };
}

/**
 * Runs a set-up that starts several things. Each thing it starts registers its teardown with `defer`; when the
 * set-up throws, everything already started is torn down (last first) and the set-up's error is rethrown, so a
 * failed set-up leaves no process behind. On success it returns the set-up's value and the cleanup that tears
 * it all down.
 * @example
 * const { value: net, cleanup } = await withCleanup(async (defer) => {
 *   const net = await startLocalnet();
 *   defer(() => net.stop());
 *   const provider = await startProviderProcess(net); // throws: net is stopped before the error reaches you
 *   defer(() => provider.stop());
 *   return net;
 * });
 * afterAll(() => cleanup.run());
 */
export async function withCleanup<T>(
  setUp: (defer: Cleanup["defer"]) => Promise<T>,
): Promise<{ value: T; cleanup: Cleanup }> {
  const cleanup = createCleanup();
  try {
    const value = await setUp((teardown) => cleanup.defer(teardown));
    return { value, cleanup };
  } catch (error) {
    await cleanup.run().catch(() => {
      // The set-up's error is the one to report; teardown failures would hide it.
    });
    throw error;
  }
}

/**
 * Process ids whose command line mentions `text` (a test's own processes, found by its unique temporary folder or
 * port), this process excepted.
 * @example
 * expect(processesMentioning(devnet.stateDir)).toEqual([]);
 */
export function processesMentioning(text: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", "--", text])
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/**
 * SIGKILLs every process whose command line mentions `text`: what a test started that left its process group (a
 * sandboxed workload in its own session).
 * @example
 * defer(() => killProcessesMentioning(dir));
 */
export function killProcessesMentioning(text: string): void {
  for (const pid of processesMentioning(text)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // It ended on its own meanwhile.
    }
  }
}
