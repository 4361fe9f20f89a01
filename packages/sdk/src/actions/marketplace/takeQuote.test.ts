// A provider-signed quote taken on a real anvil: one transaction to an Active lease, completed at the workload's exit,
// a replayed quote refused; and the batch acknowledge and complete.
import { keccak256, stringToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OcxContractError } from "../../errors.js";
import { LeaseState } from "../../generated/enums.js";
import { toLabel } from "../../units.js";
import { getRequiredStake } from "../registry/getRequiredStake.js";
import { registerProviderSync } from "../registry/registerProvider.js";
import { stakeSync } from "../registry/stake.js";
import { startTestnet, type Testnet } from "../testnet.test-fixture.js";
import { ensureAllowance } from "../token/ensureAllowance.js";
import { getTokenBalance } from "../token/getTokenBalance.js";
import { acknowledgeLeasesSync } from "./acknowledgeLeases.js";
import { completeLeaseSync } from "./completeLease.js";
import { completeLeasesSync } from "./completeLeases.js";
import { getEarnings } from "./getEarnings.js";
import { getLease } from "./getLease.js";
import { isQuoteNonceUsed } from "./isQuoteNonceUsed.js";
import { postOfferSync } from "./postOffer.js";
import { type Quote, quoteDigest, recoverQuoteSigner, signQuote } from "./signQuote.js";
import { takeOfferSync } from "./takeOffer.js";
import { takeQuote, takeQuoteSync } from "./takeQuote.js";

const PRICE = 10n ** 15n;
const DEPOSIT = PRICE * 3600n;
const MANIFEST = keccak256(stringToHex("job manifest"));
const CPU = {
  gpuModel: toLabel(""),
  region: toLabel("eu-west"),
  gpuCount: 0,
  gpuVramMiB: 0,
  cpuMillicores: 4000,
  memoryMiB: 8192,
  diskMiB: 10240,
};

let net: Testnet;
let offerId: bigint;
const apiSigner = privateKeyToAccount(generatePrivateKey());

beforeAll(async () => {
  net = await startTestnet();
  const { deployment, publicClient } = net;
  const provider = net.wallet(1);
  await registerProviderSync(provider, {
    deployment,
    endpoint: "https://gpu.example.com",
    region: toLabel("eu-west"),
    metadataHash: keccak256(stringToHex("{}")),
    apiSigner: apiSigner.address, // a key apart from the provider's wallet signs its quotes
  });
  const stake = await getRequiredStake(publicClient, { deployment, committedGpus: 4n });
  await ensureAllowance(provider, { deployment, spender: deployment.registry, amount: stake });
  await stakeSync(provider, { deployment, amount: stake });
  const posted = await postOfferSync(provider, {
    deployment,
    resources: CPU,
    pricePerSecond: PRICE,
    maxLeases: 4,
    minDuration: 60,
    maxDuration: 86_400,
  });
  offerId = posted.event.offerId;
  await ensureAllowance(net.wallet(2), { deployment, spender: deployment.marketplace, amount: DEPOSIT * 10n });
});
afterAll(async () => {
  await net?.stop();
});

async function quoteFor(nonce: bigint, price = PRICE): Promise<{ quote: Quote; signature: `0x${string}` }> {
  const now = (await net.publicClient.getBlock()).timestamp;
  const quote: Quote = {
    offerId,
    buyer: net.wallet(2).account.address,
    pricePerSecond: price,
    manifestHash: MANIFEST,
    nonce,
    expiry: now + 120n,
  };
  const signature = await signQuote(apiSigner, { deployment: net.deployment, chainId: 31337, quote });
  return { quote, signature };
}

describe("a provider's signed quote", () => {
  it("creates an Active lease in one transaction and bills only until the workload ended", async () => {
    const { deployment, publicClient: client } = net;
    const buyer = net.wallet(2);
    const provider = net.wallet(1);
    const { quote, signature } = await quoteFor(1n, PRICE - 1n);
    expect(await recoverQuoteSigner({ deployment, chainId: 31337, quote, signature })).toBe(apiSigner.address);
    expect(quoteDigest({ deployment, chainId: 31337, quote })).toMatch(/^0x[0-9a-f]{64}$/);

    const before = await getTokenBalance(client, {
      deployment,
      token: deployment.paymentToken,
      account: buyer.account.address,
    });
    const taken = await takeQuoteSync(buyer, { deployment, quote, signature, deposit: DEPOSIT });
    expect(taken.event).toMatchObject({ offerId, pricePerSecond: PRICE - 1n, deposit: DEPOSIT, ackDeadline: 0n });
    const { leaseId } = taken.event;
    const lease = await getLease(client, { deployment, leaseId });
    expect(lease.state).toBe(LeaseState.Active);
    const startedAt = BigInt(lease.settledAt);
    expect(startedAt).toBe((await client.getBlock({ blockNumber: taken.receipt.blockNumber })).timestamp);
    expect(await isQuoteNonceUsed(client, { deployment, provider: provider.account.address, nonce: 1n })).toBe(true);

    // The workload ran 30 s; packing and sending took 90 s more, which the buyer does not pay for.
    await net.setNextBlockTimestamp(startedAt + 120n);
    await completeLeaseSync(provider, {
      deployment,
      leaseId,
      resultHash: MANIFEST,
      exitCode: 0,
      endedAt: startedAt + 30n,
    });
    const paid = (PRICE - 1n) * 30n;
    expect(
      await getTokenBalance(client, { deployment, token: deployment.paymentToken, account: buyer.account.address }),
    ).toBe(before - paid);
    const fee = (paid * 250n) / 10_000n;
    expect(await getEarnings(client, { deployment, provider: provider.account.address })).toBe(paid - fee);
  });

  it("is refused when replayed, with the provider and the nonce", async () => {
    const { deployment } = net;
    const buyer = net.wallet(2);
    const { quote, signature } = await quoteFor(2n);
    await takeQuoteSync(buyer, { deployment, quote, signature, deposit: DEPOSIT });
    const replay = takeQuote(buyer, { deployment, quote, signature, deposit: DEPOSIT });
    await expect(replay).rejects.toBeInstanceOf(OcxContractError);
    await expect(replay).rejects.toMatchObject({
      errorName: "MarketplaceQuoteNonceUsed",
      args: [net.wallet(1).account.address, 2n],
    });
  });

  it("is refused when signed by a key that is not the provider's apiSigner", async () => {
    const { deployment } = net;
    const { quote } = await quoteFor(3n);
    const forged = await signQuote(privateKeyToAccount(generatePrivateKey()), { deployment, chainId: 31337, quote });
    await expect(
      takeQuote(net.wallet(2), { deployment, quote, signature: forged, deposit: DEPOSIT }),
    ).rejects.toMatchObject({
      errorName: "MarketplaceQuoteSignerMismatch",
    });
  });
});

describe("batches", () => {
  it("acknowledges and completes several leases in one transaction each", async () => {
    const { deployment, publicClient: client } = net;
    const buyer = net.wallet(2);
    const provider = net.wallet(1);
    const leaseIds: bigint[] = [];
    for (let i = 0; i < 2; i++) {
      const taken = await takeOfferSync(buyer, {
        deployment,
        offerId,
        maxPricePerSecond: PRICE,
        manifestHash: MANIFEST,
        deposit: DEPOSIT,
      });
      leaseIds.push(taken.event.leaseId);
    }
    const acked = await acknowledgeLeasesSync(provider, { deployment, leaseIds });
    expect(acked.events.map((e) => e.leaseId)).toEqual(leaseIds);
    const startedAt = acked.events[0]?.startedAt ?? 0n;
    for (const leaseId of leaseIds)
      expect((await getLease(client, { deployment, leaseId })).state).toBe(LeaseState.Active);

    await net.setNextBlockTimestamp(startedAt + 100n);
    const before = await getTokenBalance(client, {
      deployment,
      token: deployment.paymentToken,
      account: buyer.account.address,
    });
    const completed = await completeLeasesSync(provider, {
      deployment,
      completions: leaseIds.map((leaseId, i) => ({
        leaseId,
        resultHash: MANIFEST,
        exitCode: i,
        endedAt: startedAt + 10n * BigInt(i + 1),
      })),
    });
    expect(completed.events.map((e) => [e.leaseId, e.exitCode])).toEqual(leaseIds.map((id, i) => [id, BigInt(i)]));
    for (const leaseId of leaseIds)
      expect((await getLease(client, { deployment, leaseId })).state).toBe(LeaseState.Closed);
    // 10 s and 20 s billed; the rest of both deposits refunded.
    expect(
      await getTokenBalance(client, { deployment, token: deployment.paymentToken, account: buyer.account.address }),
    ).toBe(before + 2n * DEPOSIT - PRICE * 30n);
  });
});
