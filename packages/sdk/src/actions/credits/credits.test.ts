// Compute credits on a real anvil: deployOcx with `credits` deploys the feed and OcxCredits (off by default),
// mint and redeem are exact at the oracle price with the spread, and stale or jumpy prices refuse with the values.
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OcxContractError } from "../../errors.js";
import { startTestnet, type Testnet } from "../testnet.test-fixture.js";
import { ensureAllowance } from "../token/ensureAllowance.js";
import { getTokenBalance } from "../token/getTokenBalance.js";
import { creditsAddress } from "./address.js";
import { getCreditBalance } from "./getCreditBalance.js";
import { getCreditsParameters } from "./getCreditsParameters.js";
import { getOcxPrice } from "./getOcxPrice.js";
import { mintCreditsSync } from "./mintCredits.js";
import { quoteMintCredits } from "./quoteMintCredits.js";
import { redeemCredits, redeemCreditsSync } from "./redeemCredits.js";
import { setOcxPriceSync, toFeedPrice } from "./setOcxPrice.js";

let net: Testnet;
beforeAll(async () => {
  // 1 % spread, prices usable for an hour, a 20 % move bound.
  net = await startTestnet({
    credits: { ocxPriceUsd: "0.50", spreadBps: 100, maxPriceAge: 3600, maxPriceMoveBps: 2000 },
  });
}, 120_000);
afterAll(async () => {
  await net?.stop();
});

describe("credits", () => {
  it("a deployment without them says how to get them", () => {
    expect(() => creditsAddress({})).toThrow(/no compute credits .*credits are on by default/);
  });

  it("mint at the oracle price less the spread and redeem at the price plus the spread, rounded down", async () => {
    const { deployment, publicClient: client } = net;
    const buyer = net.wallet(1);
    const account = buyer.account.address;
    expect(await getOcxPrice(client, { deployment })).toMatchObject({ price: 50_000_000n, decimals: 8 });
    expect((await getCreditsParameters(client, { deployment })).spreadBps).toBe(100);
    const [quoted] = await quoteMintCredits(client, { deployment, ocxIn: parseEther("1000") });
    expect(quoted).toBe(parseEther("495"));

    const ocxBefore = await getTokenBalance(client, { deployment, account });
    const creditsBefore = await getCreditBalance(client, { deployment, account }); // the fixture's funding
    await ensureAllowance(buyer, { deployment, spender: creditsAddress(deployment), amount: parseEther("1000") });
    const minted = await mintCreditsSync(buyer, { deployment, ocxIn: parseEther("1000") });
    expect(minted.event).toMatchObject({
      account,
      ocxBurned: parseEther("1000"),
      credits: parseEther("495"),
      price: 50_000_000n,
    });
    expect(await getCreditBalance(client, { deployment, account })).toBe(creditsBefore + parseEther("495"));
    expect(await getTokenBalance(client, { deployment, account })).toBe(ocxBefore - parseEther("1000"));

    // 1 credit at $0.505 = 1.980198019801980198… OCX, rounded down.
    const redeemed = await redeemCreditsSync(buyer, { deployment, creditsIn: parseEther("1") });
    expect(redeemed.event.ocxMinted).toBe(1_980_198_019_801_980_198n);
    expect(await getCreditBalance(client, { deployment, account })).toBe(creditsBefore + parseEther("494"));
  });

  it("refuse a price that moved beyond the bound, naming the reference, the price and the bound", async () => {
    const { deployment } = net;
    await setOcxPriceSync(net.wallet(0), { deployment, usdPerOcx: "0.70" }); // +40 %
    const error = await redeemCredits(net.wallet(1), { deployment, creditsIn: parseEther("1") }).catch((e) => e);
    expect(error).toBeInstanceOf(OcxContractError);
    expect(error.errorName).toBe("OcxCreditsPriceMoveTooLarge");
    expect(error.args).toEqual([50_000_000n, 70_000_000n, 2000n]);
    await setOcxPriceSync(net.wallet(0), { deployment, usdPerOcx: "0.55" });
  });

  it("refuse a stale price, naming its age and the limit", async () => {
    const { deployment, publicClient: client } = net;
    const { updatedAt } = await getOcxPrice(client, { deployment });
    await net.mineAt(updatedAt + 3601n);
    const error = await redeemCredits(net.wallet(1), { deployment, creditsIn: parseEther("1") }).catch((e) => e);
    expect(error).toBeInstanceOf(OcxContractError);
    expect(error.errorName).toBe("OcxCreditsStalePrice");
    expect(error.args).toEqual([updatedAt, 3601n, 3600n]);
  });

  it("only the feed's updater posts prices, and a price must be a positive decimal", async () => {
    const { deployment } = net;
    expect(() => toFeedPrice("-1")).toThrow(/positive number of dollars.*"-1"/);
    expect(() => toFeedPrice("0")).toThrow(/positive/);
    expect(toFeedPrice("$1.25")).toBe(125_000_000n);
    const error = await setOcxPriceSync(net.wallet(2), { deployment, usdPerOcx: "1" }).catch((e) => e);
    expect(error).toBeInstanceOf(OcxContractError);
    expect(error.errorName).toBe("AccessControlUnauthorizedAccount");
  });
});
