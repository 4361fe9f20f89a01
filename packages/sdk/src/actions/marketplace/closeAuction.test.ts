// A request's reverse auction through the Sync actions on a real anvil: post, bid, close; and the ways it ends empty.
import { keccak256, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RequestState } from "../../generated/enums.js";
import { toLabel } from "../../units.js";
import { getManifestHash } from "../events.js";
import { registerProviderSync } from "../registry/registerProvider.js";
import { stakeSync } from "../registry/stake.js";
import { startTestnet, type Testnet } from "../testnet.test-fixture.js";
import { ensureAllowance } from "../token/ensureAllowance.js";
import { getTokenBalance } from "../token/getTokenBalance.js";
import { cancelLeaseSync } from "./cancelLease.js";
import { cancelRequestSync } from "./cancelRequest.js";
import { closeAuction, closeAuctionSync } from "./closeAuction.js";
import { getBid } from "./getBid.js";
import { getLease } from "./getLease.js";
import { getRequest } from "./getRequest.js";
import { placeBid, placeBidSync } from "./placeBid.js";
import { postRequestSync } from "./postRequest.js";

const DEPOSIT = 10n ** 18n;
const MAX_PRICE = 10n ** 15n;
const MANIFEST = keccak256(stringToHex("auction job"));
const ANY_GPU = {
  gpuModel: toLabel(""),
  region: toLabel(""),
  gpuCount: 1,
  gpuVramMiB: 0,
  cpuMillicores: 0,
  memoryMiB: 0,
  diskMiB: 0,
};
const H100 = { ...ANY_GPU, gpuModel: toLabel("nvidia-h100-80gb"), gpuVramMiB: 81920, memoryMiB: 65536 };

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet();
  for (const provider of [net.wallet(1), net.wallet(3)]) {
    const { deployment } = net;
    await registerProviderSync(provider, {
      deployment,
      endpoint: "https://gpu.example.com",
      region: toLabel("eu-west"),
      metadataHash: keccak256(stringToHex("{}")),
      apiSigner: provider.account.address,
    });
    const amount = 10n ** 20n;
    await ensureAllowance(provider, { deployment, spender: deployment.registry, amount });
    await stakeSync(provider, { deployment, amount });
  }
});
afterAll(async () => {
  await net?.stop();
});

/** Posts a request whose bidding ends 100 s after the latest block. */
async function postRequest(buyer: ReturnType<Testnet["wallet"]>) {
  const { deployment, publicClient } = net;
  const now = (await publicClient.getBlock()).timestamp;
  await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: DEPOSIT });
  return postRequestSync(buyer, {
    deployment,
    requirements: ANY_GPU,
    maxPricePerSecond: MAX_PRICE,
    deposit: DEPOSIT,
    biddingDeadline: Number(now) + 100,
    manifestHash: MANIFEST,
  });
}

describe("a request auctioned to the lowest bid", () => {
  it("creates the lease for the lowest bidder at its price", async () => {
    const { deployment, publicClient: client } = net;
    const buyer = net.wallet(2);
    const [first, second] = [net.wallet(1), net.wallet(3)];

    const posted = await postRequest(buyer);
    expect(posted.eventName).toBe("RequestPosted");
    const { requestId, biddingDeadline } = posted.event;
    expect(posted.event).toMatchObject({ requestId: 1n, buyer: buyer.account.address, deposit: DEPOSIT });

    const bid = await placeBidSync(first, { deployment, requestId, pricePerSecond: 9n * 10n ** 14n, resources: H100 });
    expect(bid.event).toEqual({
      requestId,
      provider: first.account.address,
      pricePerSecond: 9n * 10n ** 14n,
      resources: H100,
    });
    await placeBidSync(second, { deployment, requestId, pricePerSecond: 8n * 10n ** 14n, resources: H100 });
    expect(await getBid(client, { deployment, requestId, provider: second.account.address })).toBe(8n * 10n ** 14n);
    await expect(
      placeBid(first, { deployment, requestId, pricePerSecond: 9n * 10n ** 14n, resources: H100 }),
    ).rejects.toMatchObject({
      errorName: "MarketplaceBidNotLower",
      args: [requestId, 9n * 10n ** 14n, 9n * 10n ** 14n],
    });
    expect((await getRequest(client, { deployment, requestId })).bestBidder).toBe(second.account.address);

    await expect(closeAuction(net.wallet(4), { deployment, requestId })).rejects.toMatchObject({
      errorName: "MarketplaceBiddingOpen",
      args: [requestId, biddingDeadline],
    });

    // Anyone closes it once bidding is over.
    await net.mineAt(biddingDeadline);
    const closed = await closeAuctionSync(net.wallet(4), { deployment, requestId });
    if (closed.eventName !== "RequestClosed") throw new Error(`expected RequestClosed, got ${closed.eventName}`);
    expect(closed.event).toEqual({
      requestId,
      winner: second.account.address,
      pricePerSecond: 8n * 10n ** 14n,
      leaseId: 1n,
    });

    const lease = await getLease(client, { deployment, leaseId: closed.event.leaseId });
    expect(lease).toMatchObject({
      buyer: buyer.account.address,
      provider: second.account.address,
      state: 1, // Pending
      pricePerSecond: 8n * 10n ** 14n,
      escrow: DEPOSIT,
    });
    expect(BigInt(lease.offerId)).toBe(0n); // from a request, not an offer
    expect((await getRequest(client, { deployment, requestId })).state).toBe(RequestState.Closed);
    expect(await getManifestHash(client, { deployment, leaseId: closed.event.leaseId })).toBe(MANIFEST);

    // The buyer cancels the unacknowledged lease and gets the whole deposit back.
    const before = await getTokenBalance(client, {
      deployment,
      token: deployment.paymentToken,
      account: buyer.account.address,
    });
    const cancelled = await cancelLeaseSync(buyer, { deployment, leaseId: closed.event.leaseId });
    expect(cancelled.event).toEqual({ leaseId: closed.event.leaseId, reason: 2, refund: DEPOSIT });
    expect(
      await getTokenBalance(client, { deployment, token: deployment.paymentToken, account: buyer.account.address }),
    ).toBe(before + DEPOSIT);
  });

  it("refunds the buyer when nobody bid", async () => {
    const { deployment } = net;
    const { requestId, biddingDeadline } = (await postRequest(net.wallet(2))).event;
    await net.mineAt(biddingDeadline);
    const closed = await closeAuctionSync(net.wallet(4), { deployment, requestId });
    expect(closed.eventName).toBe("RequestCancelled");
    expect(closed.event).toEqual({ requestId, refund: DEPOSIT });
  });

  it("lets the buyer withdraw an open request", async () => {
    const { deployment, publicClient: client } = net;
    const { requestId } = (await postRequest(net.wallet(2))).event;
    const cancelled = await cancelRequestSync(net.wallet(2), { deployment, requestId });
    expect(cancelled.event).toEqual({ requestId, refund: DEPOSIT });
    expect((await getRequest(client, { deployment, requestId })).state).toBe(RequestState.Cancelled);
  });
});
