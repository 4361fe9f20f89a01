// What the command tests beside this file share: a local chain with its deployments file in a temporary OCX home,
// the built `ocx` run against it as a real process, and a provider registered and staked through the SDK.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Localnet, type LocalnetOptions, startLocalnet, withCleanup } from "@ocx/node-kit";
import { writeDeployment } from "@ocx/sdk";

const BIN = fileURLToPath(new URL("../../bin/ocx.js", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../../dist/bundle/ocx.js", import.meta.url));

/** How one `ocx` process ended: its exit code (1 when it was killed) and what it printed. */
export interface OcxRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A local chain, a temporary OCX home holding its deployments file, and the built `ocx` pointed at both. */
export interface CliFixture {
  net: Localnet;
  /** The temporary OCX home (`OCX_HOME`); its `deployments/` holds the chain's deployment. */
  home: string;
  /** Runs `ocx --rpc-url … --deployments … <args>`; a run still going after 30 s is killed. */
  ocx(args: string[]): Promise<OcxRun>;
  /** Stops the chain and removes the home. */
  stop(): Promise<void>;
}

/**
 * Starts a local chain (deployed with `options`) and a temporary OCX home named after `name`, for tests that run the
 * built CLI. Fails, saying to build, when the bundle is missing; a set-up that fails part-way stops the chain it
 * started.
 * @example
 * let cli: CliFixture;
 * beforeAll(async () => {
 *   cli = await startCliFixture("channels");
 * }, 60_000);
 * afterAll(() => cli?.stop());
 * it("deposits", async () => expect((await cli.ocx(["channels", "status", payee])).code).toBe(0));
 */
export async function startCliFixture(name: string, options: LocalnetOptions = {}): Promise<CliFixture> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` before this test`);
  const { value, cleanup } = await withCleanup(async (defer) => {
    const home = await mkdtemp(path.join(os.tmpdir(), `ocx-${name}-`));
    defer(() => rm(home, { recursive: true, force: true }));
    const net = await startLocalnet(options);
    defer(() => net.stop());
    await writeDeployment(net.deployment, path.join(home, "deployments"));
    return { net, home };
  });
  const { net, home } = value;
  const global = ["--rpc-url", net.anvil.rpcUrl, "--deployments", path.join(home, "deployments")];
  const ocx = (args: string[]) =>
    new Promise<OcxRun>((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...global, ...args],
        { env: { ...process.env, OCX_HOME: home }, timeout: 30_000 },
        (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
        },
      );
    });
  return { net, home, ocx, stop: () => cleanup.run() };
}
