// The indexer of `ocx devnet`: `ponder start` of apps/indexer over the local chain, its PGlite database in the
// devnet's state directory, its URL written into the deployment file (`"indexer"`) so that the SDK and
// `ocx market offers` discover offers through it, and its dashboard printed.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@ocx/node-kit";
import { createIndexerClient } from "@ocx/sdk";

/** The port `ocx devnet` gives the indexer when it is free. */
export const DEFAULT_INDEXER_PORT = 42069;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Where apps/indexer and ponder's command are, or why they cannot be found. */
function indexerPaths(): { root: string; bin: string } {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve("@ocx/indexer/package.json"));
  const bin = path.join(path.dirname(fileURLToPath(import.meta.resolve("ponder"))), "bin", "ponder.js");
  return { root, bin };
}

/**
 * Starts the indexer on a free port, waits until it answers /ready (at most `timeoutMs`), writes its URL into the
 * deployment file and returns it. Its process joins `children` (stopped with the devnet).
 */
export async function startIndexerProcess(
  rpcUrl: string,
  stateDir: string,
  deploymentFile: string,
  { children, say, state }: { children: ChildProcess[]; say: (line: string) => void; state: { stopping: boolean } },
  timeoutMs = 180_000,
): Promise<string> {
  const { root, bin } = indexerPaths();
  // 42069 (Ponder's usual port, the default of `ocx stats`) when it is free, else any free port.
  const port = (await portIsFree(DEFAULT_INDEXER_PORT)) ? DEFAULT_INDEXER_PORT : await freePort();
  const child = spawn(
    process.execPath,
    [bin, "start", "--root", root, "--port", String(port), "--hostname", "127.0.0.1", "--schema", "ocx"],
    {
      cwd: root,
      env: {
        ...process.env,
        OCX_RPC_URL: rpcUrl,
        OCX_DEPLOYMENT_FILE: deploymentFile,
        OCX_INDEXER_DATA: path.resolve(stateDir, "indexer"),
        DATABASE_URL: "",
        PONDER_TELEMETRY_DISABLED: "true",
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.once("exit", (code, signal) => {
    if (!state.stopping)
      say(`the indexer exited (${signal ?? `code ${code}`}); the chain stays up. Its last lines:\n${tail}`);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the indexer exited with code ${child.exitCode}:\n${tail}`);
    const ready = await fetch(`${url}/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline)
      throw new Error(`the indexer did not become ready within ${timeoutMs / 1000} s:\n${tail}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const deployment = JSON.parse(await readFile(deploymentFile, "utf8")) as Record<string, unknown>;
  await writeFile(deploymentFile, `${JSON.stringify({ ...deployment, indexer: url }, null, 2)}\n`);
  say(`indexer ready: ${url}  (dashboard ${url}/ , offers ${url}/offers; written to ${deploymentFile} as "indexer")`);
  return url;
}

/**
 * Waits until the indexer's answers include block `head` (at most `timeoutMs`); false when they do not by then. The
 * devnet says it is up only once `ocx market offers` and `ocx run`, which ask the indexer, see what the chain holds
 * (its provider's offers were posted a moment before).
 */
export async function waitIndexed(url: string, head: bigint, timeoutMs = 60_000): Promise<boolean> {
  const indexer = createIndexerClient(url);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await indexer.status().catch(() => undefined);
    if (status?.block && BigInt(status.block.number) >= head) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}
