// The simulation's credits formulas against the real OcxCredits on anvil: mints and redemptions at several sizes
// give exactly creditsForOcx / ocxForCredits, ocxToMint is the least OCX for a bill, and usageBurn's net burn
// matches netBurnBps.
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCreditsParameters } from "../actions/credits/getCreditsParameters.js";
import { getOcxPrice } from "../actions/credits/getOcxPrice.js";
import { mintCreditsSync } from "../actions/credits/mintCredits.js";
import { redeemCreditsSync } from "../actions/credits/redeemCredits.js";
import { startTestnet, type Testnet } from "../actions/testnet.test-fixture.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import { type CreditsRate, creditsForOcx, ocxForCredits, ocxToMint, usageBurn } from "./credits.js";
import { netBurnBps } from "./emissions.js";

let net: Testnet;
let rate: CreditsRate;
beforeAll(async () => {
  net = await startTestnet({ credits: { ocxPriceUsd: "0.37", spreadBps: 75 } });
  const { price, decimals } = await getOcxPrice(net.publicClient, { deployment: net.deployment });
  const { spreadBps } = await getCreditsParameters(net.publicClient, { deployment: net.deployment });
  rate = { price, feedUnit: 10n ** BigInt(decimals), spreadBps: BigInt(spreadBps) };
}, 60_000);
afterAll(async () => {
  await net?.stop();
});

describe("credits formulas = OcxCredits.sol", () => {
  it("mint and redeem give exactly creditsForOcx and ocxForCredits", async () => {
    const { deployment } = net;
    const holder = net.wallet(1);
    await ensureAllowance(holder, {
      deployment,
      spender: deployment.credits as `0x${string}`,
      amount: parseEther("5000"),
    });
    for (const ocxIn of [1n, 7n, 10n ** 15n + 3n, parseEther("1"), parseEther("123.456789")]) {
      const expected = creditsForOcx(ocxIn, rate);
      if (expected === 0n) continue; // the contract refuses a mint that rounds to nothing
      const { event } = await mintCreditsSync(holder, { deployment, ocxIn });
      expect(event.credits, `mint ${ocxIn}`).toBe(expected);
      expect(ocxToMint(expected, rate) <= ocxIn).toBe(true);
      expect(creditsForOcx(ocxToMint(expected, rate), rate) >= expected).toBe(true);
      expect(creditsForOcx(ocxToMint(expected, rate) - 1n, rate) < expected).toBe(true);
    }
    for (const creditsIn of [3n, 10n ** 15n + 1n, parseEther("0.5"), parseEther("10.000000000000000007")]) {
      const { event } = await redeemCreditsSync(holder, { deployment, creditsIn });
      expect(event.ocxMinted, `redeem ${creditsIn}`).toBe(ocxForCredits(creditsIn, rate));
    }
  });

  it("usageBurn's net burn per dollar is netBurnBps", () => {
    const usage = parseEther("1000000");
    const { burned, minted } = usageBurn(usage, 250n, { ...rate, price: rate.feedUnit });
    const bps = Number(((burned - minted) * 10_000_000n) / usage) / 1000;
    expect(Math.ceil(bps)).toBe(netBurnBps(250, Number(rate.spreadBps)));
  });
});
