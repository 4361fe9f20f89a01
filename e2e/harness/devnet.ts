// `ocx devnet` as a user starts it, for end-to-end tests: in a temporary folder of the test's own, on a free port,
// its JSON summary read from what it prints, and always stopped (with everything it started) when the test is done.
import path from "node:path";
import { type Cleanup, freePort, killProcessesMentioning } from "@ocx/node-kit";
import type { Address } from "viem";
import { CLI, type OcxOptions } from "./cli.js";
import { startProcess, type TestProcess } from "./processes.js";
import { makeTempDir } from "./tempDir.js";

/** What `ocx devnet --json` prints once the network is up: the chain, its contracts, and the daemons' URLs. */
export interface DevnetSummary {
  rpcUrl: string;
  deploymentFile: string;
  marketplace: Address;
  token: Address;
  paymentToken: Address;
  credits?: Address;
  governor?: Address;
  timelock?: Address;
  providerUrl?: string;
  validatorUrl?: string;
  indexerUrl?: string;
  executor?: "bwrap" | "process";
  sandboxed?: boolean;
}

/** A running `ocx devnet`. */
export interface Devnet {
  /** The test's temporary folder: the devnet's cwd, with `deployments/` and the state folder in it. */
  dir: string;
  /** `--state-dir`: the chain's, the provider's (`provider/provider.yaml`) and the other daemons' state. */
  stateDir: string;
  /** `--deployments`. */
  deploymentsDir: string;
  /** The chain's RPC port (`--port`). */
  port: number;
  summary: DevnetSummary;
  /** The `ocx devnet` process; its log holds its daemons' lines. */
  process: TestProcess;
  /** `ocx` against this devnet: its RPC URL and deployments, run in its folder. */
  cli: OcxOptions;
}

export interface StartDevnetOptions {
  /** Names the temporary folder (`ocx-e2e-<name>-…`). */
  name: string;
  /** Flags after `--no-demo` (the demo job is never run): `--no-validator`, `--no-indexer`… */
  flags?: string[];
  env?: Record<string, string>;
  /** How long its stop waits after SIGTERM (it reaps its provider's workloads) before killing its group. Default 15 s. */
  graceMs?: number;
  defer: Cleanup["defer"];
}

/**
 * Starts `ocx --json devnet --no-demo <flags>` in a new temporary folder and resolves with its summary. Registers,
 * before waiting for anything, the folder's removal and the devnet's stop: SIGTERM, then its whole process group
 * killed after `graceMs`, then any process still naming the folder (a workload in a sandbox of its own). So a
 * start-up that fails or times out leaves no process.
 * @example
 * const cleanup = createCleanup();
 * beforeAll(async () => {
 *   devnet = await startDevnet({ name: "governance", flags: ["--no-provider"], defer: cleanup.defer });
 * }, 120_000);
 * afterAll(() => cleanup.run());
 */
export async function startDevnet(options: StartDevnetOptions): Promise<Devnet> {
  const dir = await makeTempDir(options.name, options.defer);
  options.defer(() => killProcessesMentioning(dir));
  const stateDir = path.join(dir, "devnet");
  const deploymentsDir = path.join(dir, "deployments");
  const port = await freePort();
  const devnet = startProcess({
    name: "ocx devnet",
    command: process.execPath,
    args: [
      CLI,
      ...["--deployments", deploymentsDir, "--json", "devnet", "--port", String(port), "--state-dir", stateDir],
      "--no-demo",
      ...(options.flags ?? []),
    ],
    cwd: dir,
    env: options.env,
    defer: options.defer,
    stopOptions: { graceMs: options.graceMs },
  });
  // A start-up cut short by the test's hook timeout rejects nothing: say what the devnet had printed by then.
  let up = false;
  options.defer(() => {
    if (!up && devnet.running())
      process.stderr.write(`ocx devnet (${dir}) never printed its summary; its log:\n${devnet.log().slice(-6000)}\n`);
  });
  const summary = await new Promise<DevnetSummary>((resolve, reject) => {
    let out = "";
    devnet.child.stdout?.on("data", (d: Buffer) => {
      out += d;
      // Its daemons share its stdout: the summary is the JSON line that starts with the RPC URL.
      const line = out.split("\n").find((l) => l.startsWith('{"rpcUrl":'));
      if (line) resolve(JSON.parse(line));
    });
    devnet.child.once("exit", (code, signal) =>
      reject(new Error(`ocx devnet exited with ${code ?? signal} before it was up:\n${devnet.log().slice(-6000)}`)),
    );
  });
  up = true;
  return {
    dir,
    stateDir,
    deploymentsDir,
    port,
    summary,
    process: devnet,
    cli: { rpcUrl: summary.rpcUrl, deployments: deploymentsDir, cwd: dir },
  };
}
