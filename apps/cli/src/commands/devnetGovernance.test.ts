// The devnet's governance on a real anvil: the governor and timelock join the deployment, every dev account's OCX
// votes, and an idle chain keeps mining so that votes open and close.
import { type Localnet, startLocalnet } from "@ocx/node-kit";
import { DEVNET_GOVERNANCE, ocxTokenAbi } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevnetGovernance, governDevnet } from "./devnetGovernance.js";

let net: Localnet | undefined;
let governance: DevnetGovernance | undefined;
beforeAll(async () => {
  net = await startLocalnet();
}, 60_000);
afterAll(async () => {
  governance?.stop();
  await net?.stop();
});

describe("governDevnet", () => {
  it("hands the roles to a timelock, gives accounts 0–9 their votes and mines while idle", async () => {
    const localnet = net as Localnet;
    governance = await governDevnet(localnet);
    const { deployment, publicClient } = localnet;
    expect(deployment.governor).toBeDefined();
    expect(deployment.timelock).toBeDefined();
    expect(governance.summary).toContain(`last ${DEVNET_GOVERNANCE.votingPeriod} blocks`);
    for (let i = 0; i <= 9; i++) {
      const account = localnet.wallet(i).account.address;
      const [balance, votes] = await Promise.all(
        (["balanceOf", "getVotes"] as const).map((functionName) =>
          publicClient.readContract({ address: deployment.token, abi: ocxTokenAbi, functionName, args: [account] }),
        ),
      );
      expect(votes, `account ${i}`).toBe(balance);
      expect((balance as bigint) > 0n).toBe(true);
    }
    governance.startClock();
    const before = await publicClient.getBlockNumber();
    await new Promise((r) => setTimeout(r, 3_500));
    expect(await publicClient.getBlockNumber()).toBeGreaterThanOrEqual(before + 2n);
  }, 60_000);
});
