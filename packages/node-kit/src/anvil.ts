// Starts and stops a local anvil chain: the embedded network of `ocx devnet`, the tests and the benchmarks.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { trackChild } from "./processes.js";

const require = createRequire(import.meta.url);

/**
 * The private keys of anvil's default mnemonic ("test test … junk"), accounts 0–9 (checked against anvil's own
 * output by anvil.test.ts).
 * @example
 * const buyer = privateKeyToAccount(ANVIL_KEYS[2]); // 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
 */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
] as const;

/** A running anvil. */
export interface Anvil {
  rpcUrl: string;
  port: number;
  chainId: number;
  /** The anvil process's id. */
  pid: number;
  /** Stops the process and waits for it to exit. */
  stop(): Promise<void>;
}

export interface AnvilOptions {
  /** Port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Seconds between blocks; default: mine on every transaction. */
  blockTime?: number;
  chainId?: number;
}

/**
 * The path of the anvil binary that npm installed for this platform.
 * @example
 * spawn(anvilBinary(), ["--port", "8545"]);
 */
export function anvilBinary(): string {
  const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch] ?? process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
  } catch {
    throw new Error(
      `anvil for ${process.platform}/${process.arch} is not installed (package ${pkg}): run \`npm install\`.`,
    );
  }
}

/**
 * Finds a free TCP port on 127.0.0.1.
 * @example
 * const port = await freePort();
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The port anvil reports in its "Listening on host:port" line. Its stdout stays drained afterwards (anvil logs
 * every RPC call there), so the pipe never fills.
 */
export function listeningPort(child: ChildProcess, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let found = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`anvil did not say where it listens within 10 s: ${stderr().trim() || "no output"}`));
    }, 10_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (found) return;
      seen = (seen + chunk.toString()).slice(-4096);
      const match = /Listening on [^\s:]+:(\d+)/.exec(seen);
      if (!match) return;
      found = true;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!found)
        reject(new Error(`anvil exited with code ${code} before it listened: ${stderr().trim() || "no output"}`));
    });
  });
}

/**
 * Starts anvil on 127.0.0.1 and resolves once it answers JSON-RPC.
 * @example
 * const anvil = await startAnvil();
 * // … use anvil.rpcUrl …
 * await anvil.stop();
 */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const chainId = options.chainId ?? 31337;
  // Without a port, anvil binds port 0 itself and prints the port it got: no window in which another process (a
  // parallel test file's anvil) can take a port chosen beforehand and answer in its place.
  const args = ["--host", "127.0.0.1", "--port", String(options.port ?? 0), "--chain-id", String(chainId)];
  if (options.blockTime) args.push("--block-time", String(options.blockTime));
  // Registered: if this process exits without stopping it (a failed test set-up), it is killed on exit.
  const child: ChildProcess = trackChild(spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] }));
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await listeningPort(child, () => stderr);
  const rpcUrl = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`anvil exited with code ${child.exitCode} before it was ready: ${stderr.trim() || "no output"}`);
    }
    try {
      const response = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`anvil did not answer on ${rpcUrl} within 10 s: ${stderr.trim() || "no output"}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  return {
    rpcUrl,
    port,
    chainId,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
