// The built `ocx` (bin/ocx.js, what npm links) run as a real process by end-to-end tests, against a chain and a
// deployments folder, as one of anvil's dev accounts.
import { spawn } from "node:child_process";
import path from "node:path";
import { trackChild } from "@ocx/node-kit";

/** The installed `ocx` command. */
export const CLI = path.resolve("apps/cli/bin/ocx.js");

/** Where and as whom `ocx` runs; each field adds its global option. */
export interface OcxOptions {
  /** `--rpc-url`. */
  rpcUrl?: string;
  /** `--deployments`. */
  deployments?: string;
  /** `--dev-account`: one of anvil's accounts 0–9. */
  account?: number;
  cwd?: string;
  /** Added to the environment. */
  env?: Record<string, string | undefined>;
  /** A run still going after this long is killed (SIGKILL) and says so in its stderr. Default: no limit. */
  timeoutMs?: number;
}

/** How one `ocx` run ended. */
export interface OcxRun {
  /** The command line, for failure messages. */
  command: string;
  /** Its exit code; null when it was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Its stdout's lines, each with the milliseconds since the start when it arrived. */
  lines: { at: number; text: string }[];
}

/**
 * Runs `ocx <global options> <args>` and resolves with its code and output; never rejects.
 * @example
 * const run = await runOcx(["market", "offers"], { rpcUrl, deployments, account: 2 });
 * expect(run.code, run.stderr).toBe(0);
 */
export function runOcx(args: string[], options: OcxOptions = {}): Promise<OcxRun> {
  const global = [
    ...(options.rpcUrl ? ["--rpc-url", options.rpcUrl] : []),
    ...(options.deployments ? ["--deployments", options.deployments] : []),
    ...(options.account !== undefined ? ["--dev-account", String(options.account)] : []),
  ];
  const command = `ocx ${args.join(" ")}`;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = trackChild(
      spawn(process.execPath, [CLI, ...global, ...args], {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    let stdout = "";
    let stderr = "";
    const lines: OcxRun["lines"] = [];
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d;
      for (const text of d.toString().split("\n")) if (text) lines.push({ at: Date.now() - started, text });
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d;
    });
    // A command that hangs is killed and reported with what it had printed, so a failure says where it stopped.
    const limitMs = options.timeoutMs;
    const timer =
      limitMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n[test] ${command} still running after ${limitMs / 1000} s: killed`;
            child.kill("SIGKILL");
          }, limitMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ command, code, stdout, stderr, lines });
    });
  });
}

/** `ocx` bound to a chain and a deployments folder; `overrides` change one run (another account, a longer limit). */
export type Ocx = (args: string[], overrides?: OcxOptions) => Promise<OcxRun>;

/**
 * Binds `runOcx` to `options`.
 * @example
 * const ocx = ocxWith({ rpcUrl, deployments, account: 2, timeoutMs: 45_000 });
 * await ocx(["gov", "vote", id, "against"], { account: 3 });
 */
export function ocxWith(options: OcxOptions): Ocx {
  return (args, overrides) => runOcx(args, { ...options, ...overrides, env: { ...options.env, ...overrides?.env } });
}

/**
 * The JSON a successful `--json` run printed (all of its stdout, or else its last line: progress may come before
 * it). Throws, with the command, its exit code and its output, when it failed or printed no JSON.
 * @example
 * const { leaseId } = jsonOf<{ leaseId: string }>(await ocx(["--json", "deploy", "web.yaml"]));
 */
export function jsonOf<T>(run: OcxRun): T {
  if (run.code !== 0) throw new Error(`${run.command} exited with ${run.code}:\n${run.stderr}\n${run.stdout}`);
  for (const text of [run.stdout, run.stdout.trim().split("\n").at(-1) ?? ""]) {
    try {
      return JSON.parse(text) as T;
    } catch {
      // Not JSON as a whole: try its last line.
    }
  }
  throw new Error(`${run.command} printed no JSON:\n${run.stdout}\nstderr:\n${run.stderr}`);
}
