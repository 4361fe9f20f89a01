// Starts the indexer as a child process (`ponder start`) and waits until it answers: used by the tests, the
// discovery benchmark and `ocx devnet`. The caller stops it (SIGTERM, then SIGKILL after 5 s).
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The indexer's root (apps/indexer). */
export const INDEXER_ROOT = path.dirname(fileURLToPath(import.meta.url)).replace(/[/\\]dist$/, "");

/** Options of `startIndexer`. */
export interface StartIndexerOptions {
  rpcUrl: string;
  deploymentFile: string;
  port: number;
  /** PGlite's directory (ignored with `databaseUrl`). */
  dataDir?: string;
  /** PostgreSQL; the embedded PGlite without it. */
  databaseUrl?: string;
  /** Database schema (`ponder start` needs one; one per app on a shared server); default "ocx". */
  schema?: string;
  /** Wait for /ready (backfill done) rather than /health; default true. */
  waitReady?: boolean;
  /** Milliseconds to wait; default 120 000. */
  timeoutMs?: number;
  /** Where the indexer's log lines go; default: kept in memory only (see `log()`). */
  onLog?: (line: string) => void;
  pollMs?: number;
}

/** A running indexer. */
export interface RunningIndexer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** What it printed so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `ponder start` for the OCX indexer and resolves once it answers (`/ready` by default).
 * @example
 * const indexer = await startIndexer({ rpcUrl, deploymentFile: "deployments/31337.json", port: 42069 });
 * await fetch(`${indexer.url}/offers`); await indexer.stop();
 */
export async function startIndexer(options: StartIndexerOptions): Promise<RunningIndexer> {
  // ponder's entry is dist/esm/index.js; its command is dist/esm/bin/ponder.js beside it.
  const bin = path.join(path.dirname(fileURLToPath(import.meta.resolve("ponder"))), "bin", "ponder.js");
  const args = [bin, "start", "--root", INDEXER_ROOT, "--port", String(options.port), "--hostname", "127.0.0.1"];
  args.push("--schema", options.schema ?? "ocx");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OCX_RPC_URL: options.rpcUrl,
    OCX_DEPLOYMENT_FILE: path.resolve(options.deploymentFile),
    OCX_POLL_MS: String(options.pollMs ?? 250),
    PONDER_TELEMETRY_DISABLED: "true",
    NO_COLOR: "1",
  };
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  if (options.dataDir) env.OCX_INDEXER_DATA = path.resolve(options.dataDir);
  const child = spawn(process.execPath, args, { cwd: INDEXER_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 1_000_000) output = output.slice(-500_000);
    if (options.onLog) for (const line of text.split("\n")) if (line.trim()) options.onLog(line);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (done) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const route = options.waitReady === false ? "/health" : "/ready";
  try {
    for (;;) {
      if (done) throw new Error(`the indexer exited before it was ready:\n${output.slice(-4000)}`);
      if (Date.now() > deadline)
        throw new Error(`the indexer did not answer ${route} in time:\n${output.slice(-4000)}`);
      try {
        const response = await fetch(`${url}${route}`);
        if (response.status === 200) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid as number, child, log: () => output, stop };
}
