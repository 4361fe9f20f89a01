// Runs the built `ocx gov` against a local chain deployed with governance: delegate, propose a fee change from
// flags, vote, queue, wait out the timelock, execute; the fee is then 5 %. A fee over the marketplace's bound
// fails at execution and the CLI says which bound (exit 4).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Localnet, startLocalnet } from "@ocx/node-kit";
import { DEVNET_GOVERNANCE, marketplaceAbi, writeDeployment } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/ocx.js", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../../dist/bundle/ocx.js", import.meta.url));

let net: Localnet | undefined;
let home: string | undefined;

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` before this test`);
  home = await mkdtemp(path.join(os.tmpdir(), "ocx-gov-"));
  net = await startLocalnet({ deploy: { governance: DEVNET_GOVERNANCE } });
  await writeDeployment(net.deployment, path.join(home, "deployments"));
}, 60_000);
afterAll(async () => {
  await net?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

function ocx(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { anvil } = net as Localnet;
  const global = ["--rpc-url", anvil.rpcUrl, "--deployments", path.join(home as string, "deployments")];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...global, "--dev-account", "0", ...args],
      { env: { ...process.env, OCX_HOME: home }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Mines `blocks` blocks `seconds` apart on the local chain. */
async function mine(blocks: number, seconds = 1) {
  await (net as Localnet).publicClient.request({
    method: "anvil_mine",
    params: [`0x${blocks.toString(16)}`, `0x${seconds.toString(16)}`],
  } as never);
}

describe("ocx gov", () => {
  it("takes a fee change from proposal to execution, and explains a broken bound", async () => {
    const { deployment, publicClient } = net as Localnet;
    expect((await ocx(["gov", "delegate"])).code).toBe(0);

    const proposed = await ocx(["gov", "propose", "marketplace.feeBps", "500", "--description", "Fee 5 %", "--json"]);
    expect(proposed.code, proposed.stderr).toBe(0);
    const { proposalId, summary } = JSON.parse(proposed.stdout);
    expect(summary).toBe("Marketplace.setParameters: feeBps 250 → 500");
    const high = await ocx(["gov", "propose", "marketplace.feeBps", "2000", "--description", "Fee 20 %", "--json"]);
    const highId = JSON.parse(high.stdout).proposalId;
    const unknown = await ocx(["gov", "propose", "marketplace.fee", "1", "--description", "typo"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/Marketplace has no parameter "fee"; its parameters: feeBps/);

    await mine(DEVNET_GOVERNANCE.votingDelay + 1);
    for (const id of [proposalId, highId]) expect((await ocx(["gov", "vote", String(id), "for"])).code).toBe(0);
    await mine(DEVNET_GOVERNANCE.votingPeriod);
    const shown = await ocx(["gov", "show", String(proposalId)]);
    expect(shown.stdout).toMatch(/succeeded: Fee 5 %/);
    expect(shown.stdout).toContain("1. Marketplace.setParameters: feeBps 250 → 500");
    for (const id of [proposalId, highId]) expect((await ocx(["gov", "queue", String(id)])).code).toBe(0);
    await mine(1, Number(DEVNET_GOVERNANCE.timelockDelay) + 1);

    const executed = await ocx(["gov", "execute", String(proposalId)]);
    expect(executed.code, executed.stderr).toBe(0);
    const parameters = await publicClient.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "parameters",
    });
    expect(parameters.feeBps).toBe(500);

    const broken = await ocx(["gov", "execute", String(highId)]);
    expect(broken.code).toBe(4);
    expect(broken.stderr).toContain("the proposal failed at execution: Marketplace feeBps = 2000 is outside [0, 1000]");
    const listed = await ocx(["gov", "list"]);
    expect(listed.stdout).toMatch(new RegExp(`#${proposalId} executed: Fee 5 %`));
    expect(listed.stdout).toMatch(new RegExp(`#${highId} queued: Fee 20 %`));
  }, 120_000);
});
