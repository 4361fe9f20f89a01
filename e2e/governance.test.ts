// Issue 11's governance on the devnet, process by process: `ocx devnet` (chain and contracts only) deploys governance
// by default, and a proposal goes through `ocx gov propose|vote|show|queue|execute` in real time — the devnet's own
// idle-block clock opens and closes the vote and the timelock's 10 s pass on the wall clock — until the fee changed.
import { createCleanup } from "@ocx/node-kit";
import { DEVNET_GOVERNANCE, getMarketplaceParameters, loadDeployment } from "@ocx/sdk";
import { createPublicClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ocx, ocxWith } from "./harness/cli.js";
import { type Devnet, startDevnet } from "./harness/devnet.js";

const cleanup = createCleanup();
let devnet: Devnet;
/** The built CLI as anvil account 0 (or `{ account }`) against the devnet. */
let ocx: Ocx;

/** Retries `ocx args` every second until it exits 0 (the chain's clock has to move first), for up to `seconds`. */
async function ocxWhenReady(args: string[], seconds: number, account = 0) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const result = await ocx(args, { account });
    if (result.code === 0 || Date.now() > deadline) return result;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

beforeAll(async () => {
  devnet = await startDevnet({
    name: "governance",
    flags: ["--no-provider", "--no-validator", "--no-indexer"],
    defer: cleanup.defer,
  });
  ocx = ocxWith({ ...devnet.cli, account: 0, env: { OCX_HOME: devnet.dir }, timeoutMs: 45_000 });
}, 120_000);
afterAll(() => cleanup.run(), 30_000);

describe("governance on ocx devnet", () => {
  it("passes a fee change through ocx gov in real time", async () => {
    expect(devnet.summary.governor).toMatch(/^0x/);
    expect(devnet.summary.timelock).toMatch(/^0x/);

    const proposed = await ocx(["gov", "propose", "marketplace.feeBps", "300", "--description", "Fee 3 %", "--json"]);
    expect(proposed.code, proposed.stderr).toBe(0);
    const { proposalId, summary: change } = JSON.parse(proposed.stdout);
    expect(change).toBe("Marketplace.setParameters: feeBps 250 → 300");
    const id = String(proposalId);

    // The vote opens a block after the proposal: the devnet mines one within a second even when idle.
    const yes = await ocxWhenReady(["gov", "vote", id, "for"], 20);
    expect(yes.code, yes.stderr).toBe(0);
    const no = await ocx(["gov", "vote", id, "against"], { account: 2 }); // a dev account with delegated votes
    expect(no.code, no.stderr).toBe(0);
    expect(no.stdout).toMatch(/voted against .* with 100000 OCX/);

    // It closes after votingPeriod blocks, about as many seconds on an idle devnet.
    const queued = await ocxWhenReady(["gov", "queue", id], DEVNET_GOVERNANCE.votingPeriod + 30);
    expect(queued.code, queued.stderr).toBe(0);
    const executed = await ocxWhenReady(["gov", "execute", id], Number(DEVNET_GOVERNANCE.timelockDelay) + 30);
    expect(executed.code, executed.stderr).toBe(0);

    const shown = await ocx(["gov", "show", id]);
    expect(shown.stdout).toMatch(/executed: Fee 3 %/);
    const deployment = await loadDeployment(31337, devnet.deploymentsDir);
    const client = createPublicClient({ transport: http(devnet.summary.rpcUrl) });
    expect((await getMarketplaceParameters(client, { deployment })).feeBps).toBe(300);
  }, 180_000);
});
