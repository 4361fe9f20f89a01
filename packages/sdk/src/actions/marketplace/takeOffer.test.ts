// An offer's whole life through the Sync actions on a real anvil: post, take, acknowledge, complete, withdraw.
import { keccak256, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OcxContractError } from "../../errors.js";
import { LeaseState } from "../../generated/enums.js";
import { toLabel } from "../../units.js";
import { getLeaseEvents, getManifestHash } from "../events.js";
import { getProvider } from "../registry/getProvider.js";
import { getRegistryParameters } from "../registry/getRegistryParameters.js";
import { getRequiredStake } from "../registry/getRequiredStake.js";
import { isProviderActive } from "../registry/isProviderActive.js";
import { registerProviderSync } from "../registry/registerProvider.js";
import { stakeSync } from "../registry/stake.js";
import { FUNDED_PAYMENT, startTestnet, type Testnet } from "../testnet.test-fixture.js";
import { ensureAllowance } from "../token/ensureAllowance.js";
import { getTokenBalance } from "../token/getTokenBalance.js";
import { acknowledgeLeaseSync } from "./acknowledgeLease.js";
import { completeLeaseSync } from "./completeLease.js";
import { flushFeesSync } from "./flushFees.js";
import { getAccrued } from "./getAccrued.js";
import { getCounts } from "./getCounts.js";
import { getEarnings } from "./getEarnings.js";
import { getFees } from "./getFees.js";
import { getLease } from "./getLease.js";
import { getMarketplaceParameters } from "./getMarketplaceParameters.js";
import { getOffer } from "./getOffer.js";
import { getPendingFees } from "./getPendingFees.js";
import { postOfferSync } from "./postOffer.js";
import { sweepFees } from "./sweepFees.js";
import { takeOffer, takeOfferSync } from "./takeOffer.js";
import { withdrawEarningsSync } from "./withdrawEarnings.js";

const PRICE = 10n ** 15n; // per second: 3.6 OCX an hour
const DEPOSIT = PRICE * 3600n; // one hour
const ELAPSED = 1000n;
const PAID = PRICE * ELAPSED; // 1 OCX
const FEE = (PAID * 250n) / 10_000n; // 2.5 % protocol fee, rounded down
const MANIFEST = keccak256(stringToHex("job manifest"));
const RESULT = keccak256(stringToHex("job result"));
const H100 = {
  gpuModel: toLabel("nvidia-h100-80gb"),
  region: toLabel("eu-west"),
  gpuCount: 1,
  gpuVramMiB: 81920,
  cpuMillicores: 16000,
  memoryMiB: 131072,
  diskMiB: 512000,
};

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet();
});
afterAll(async () => {
  await net?.stop();
});

describe("an offer taken, acknowledged and completed", () => {
  it("pays the provider and refunds the buyer exactly", async () => {
    const { deployment, publicClient: client } = net;
    const provider = net.wallet(1);
    const buyer = net.wallet(2);

    // The provider registers, stakes for one GPU and posts an offer.
    const registered = await registerProviderSync(provider, {
      deployment,
      endpoint: "https://gpu.example.com",
      region: toLabel("eu-west"),
      metadataHash: keccak256(stringToHex("{}")),
      apiSigner: provider.account.address,
    });
    const stake = await getRequiredStake(client, { deployment, committedGpus: 1n });
    expect(stake).toBe((await getRegistryParameters(client, { deployment })).minStakePerGpu);
    await ensureAllowance(provider, { deployment, spender: deployment.registry, amount: stake });
    expect((await stakeSync(provider, { deployment, amount: stake })).event).toEqual({
      provider: provider.account.address,
      amount: stake,
      stake,
    });
    expect(registered.eventName).toBe("ProviderRegistered");
    expect(registered.receipt.status).toBe("success");
    expect(await isProviderActive(client, { deployment, provider: provider.account.address })).toBe(true);
    expect((await getProvider(client, { deployment, provider: provider.account.address })).endpoint).toBe(
      "https://gpu.example.com",
    );

    const posted = await postOfferSync(provider, {
      deployment,
      resources: H100,
      pricePerSecond: PRICE,
      maxLeases: 1,
      minDuration: 60,
      maxDuration: 86_400,
    });
    expect(posted.eventName).toBe("OfferPosted");
    const { offerId } = posted.event;
    expect(offerId).toBe(1n);
    expect(posted.event.resources).toEqual(H100);

    // The buyer takes it.
    await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: DEPOSIT });
    const taken = await takeOfferSync(buyer, {
      deployment,
      offerId,
      maxPricePerSecond: PRICE,
      manifestHash: MANIFEST,
      deposit: DEPOSIT,
    });
    const { leaseId } = taken.event;
    expect(taken.event).toMatchObject({
      leaseId: 1n,
      buyer: buyer.account.address,
      provider: provider.account.address,
      offerId,
      requestId: 0n,
      pricePerSecond: PRICE,
      deposit: DEPOSIT,
      manifestHash: MANIFEST,
    });
    expect((await getOffer(client, { deployment, offerId })).activeLeases).toBe(1);
    expect(await getManifestHash(client, { deployment, leaseId })).toBe(MANIFEST);

    // The provider acknowledges; payment runs for exactly ELAPSED seconds, then it completes.
    const { event: acknowledged } = await acknowledgeLeaseSync(provider, { deployment, leaseId });
    expect(acknowledged.leaseId).toBe(leaseId);
    await net.setNextBlockTimestamp(acknowledged.startedAt + ELAPSED);
    const completed = await completeLeaseSync(provider, {
      deployment,
      leaseId,
      resultHash: RESULT,
      exitCode: 0,
      endedAt: acknowledged.startedAt + ELAPSED,
    });
    expect(completed.eventName).toBe("LeaseCompleted");
    expect(completed.event).toEqual({ leaseId, resultHash: RESULT, exitCode: 0n });

    const lease = await getLease(client, { deployment, leaseId });
    expect(lease.state).toBe(LeaseState.Closed);
    expect(lease.escrow).toBe(0n);
    expect(await getAccrued(client, { deployment, leaseId })).toEqual([0n, 0n]);
    expect((await getOffer(client, { deployment, offerId })).activeLeases).toBe(0);
    expect(await getCounts(client, { deployment })).toEqual([1n, 1n, 0n]);

    const events = await getLeaseEvents(client, { deployment, leaseId });
    expect(events.map((e) => e.eventName)).toEqual([
      "LeaseCreated",
      "LeaseAcknowledged",
      "LeaseSettled",
      "LeaseCompleted",
      "LeaseClosed",
    ]);
    const settled = events.find((e) => e.eventName === "LeaseSettled");
    expect(settled?.args).toMatchObject({ leaseId, paid: PAID, fee: FEE, escrow: DEPOSIT - PAID });
    expect((await client.getBlock({ blockNumber: settled?.blockNumber })).timestamp).toBe(
      acknowledged.startedAt + ELAPSED,
    );
    const closed = events.at(-1);
    expect(closed?.eventName === "LeaseClosed" && closed.args).toEqual({ leaseId, reason: 0, refund: DEPOSIT - PAID });
    expect(
      await getTokenBalance(client, { deployment, token: deployment.paymentToken, account: buyer.account.address }),
    ).toBe(FUNDED_PAYMENT - PAID);

    // The provider withdraws its share; the fee is flushed (burned: no fee sink), once.
    expect(await getEarnings(client, { deployment, provider: provider.account.address })).toBe(PAID - FEE);
    const withdrawn = await withdrawEarningsSync(provider, { deployment, leaseIds: [leaseId] });
    expect(withdrawn.event).toEqual({ provider: provider.account.address, amount: PAID - FEE });
    expect(
      await getTokenBalance(client, { deployment, token: deployment.paymentToken, account: provider.account.address }),
    ).toBe(FUNDED_PAYMENT + PAID - FEE);
    // Withdrawing moves the provider's booked fees to the pool but one unit, which keeps its account slot nonzero.
    expect(await getPendingFees(client, { deployment })).toBe(FEE - 1n);
    const flushed = await flushFeesSync(net.wallet(3), { deployment });
    expect(flushed.eventName === "FeesFlushed" && flushed.event.amount).toBe(FEE - 1n);
    const again = await flushFeesSync(net.wallet(3), { deployment });
    expect(again.eventName).toBeUndefined();
    expect(again.receipt.status).toBe("success");
    // Anyone sweeps the unit left booked; then the pool holds it.
    expect(await getFees(client, { deployment, provider: provider.account.address })).toBe(1n);
    await client.waitForTransactionReceipt({
      hash: await sweepFees(net.wallet(3), { deployment, providers: [provider.account.address] }),
    });
    expect(await getFees(client, { deployment, provider: provider.account.address })).toBe(0n);
    expect(await getPendingFees(client, { deployment })).toBe(1n);
  });

  it("turns a revert into OcxContractError and sends nothing", async () => {
    const { deployment, publicClient: client } = net;
    const buyer = net.wallet(2);
    const nonce = await client.getTransactionCount({ address: buyer.account.address });
    const limit = PRICE - 1n;
    const error = await takeOffer(buyer, {
      deployment,
      offerId: 1n,
      maxPricePerSecond: limit,
      manifestHash: MANIFEST,
      deposit: DEPOSIT,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OcxContractError);
    expect(error).toMatchObject({
      errorName: "MarketplacePriceAboveLimit",
      args: [PRICE, limit],
      functionName: "takeOffer",
    });
    expect((error as Error).message).toBe(
      `takeOffer: MarketplacePriceAboveLimit(${PRICE}, ${limit}) — ` +
        "the price is above your limit: raise --max-price or pick another offer",
    );
    expect(await client.getTransactionCount({ address: buyer.account.address })).toBe(nonce);
  });

  it("decodes errors from the Sync variant and from other contracts", async () => {
    const { deployment } = net;
    await expect(
      takeOfferSync(net.wallet(2), {
        deployment,
        offerId: 9n,
        maxPricePerSecond: PRICE,
        manifestHash: MANIFEST,
        deposit: DEPOSIT,
      }),
    ).rejects.toMatchObject({ name: "OcxContractError", errorName: "MarketplaceUnknownOffer", args: [9n] });
    // Account 4 never registered: the registry's error comes through the marketplace.
    await expect(
      postOfferSync(net.wallet(4), {
        deployment,
        resources: H100,
        pricePerSecond: PRICE,
        maxLeases: 1,
        minDuration: 60,
        maxDuration: 86_400,
      }),
    ).rejects.toMatchObject({ errorName: "RegistryNotRegistered", args: [net.wallet(4).account.address] });
  });

  it("reads the marketplace's parameters", async () => {
    expect(await getMarketplaceParameters(net.publicClient, { deployment: net.deployment })).toEqual({
      feeBps: 250,
      ackWindow: 120,
      maxBiddingWindow: 86_400,
      feeSink: "0x0000000000000000000000000000000000000000",
    });
  });
});

describe("getManifestHash", () => {
  it("says when a lease was never created", async () => {
    await expect(getManifestHash(net.publicClient, { deployment: net.deployment, leaseId: 42n })).rejects.toThrow(
      /no LeaseCreated event from 0x[0-9a-fA-F]{40}: lease 42 was not created/,
    );
  });
});
