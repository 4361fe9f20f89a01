// Provider-signed quotes: the node signs a quote for its own active offer with a fresh nonce
// (never reused, across restarts), the buyer takes it in one transaction, and the node runs the
// lease without sending an acknowledgement.
import { createProviderClient, LeaseState, ProviderApiError, takeQuoteSync } from "@ocx/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUYER,
  buyer,
  chainLease,
  firstOfferId,
  leaseEvents,
  leaseRecord,
  type Market,
  startMarket,
} from "./harness.js";

const PRICE = 10n ** 15n;
const JOB = `
version: 1
name: quoted
command: "echo quoted"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
maxDuration: 10m
`;

describe("provider-signed quotes", () => {
  let market: Market;
  let offerId: bigint;
  beforeAll(async () => {
    market = await startMarket();
    offerId = await firstOfferId(market);
    await buyer(market).approve();
  });
  afterAll(async () => {
    await market?.stop();
  });

  /** A client that checks each answer against the provider's registered apiSigner. */
  const verifyingClient = () =>
    createProviderClient({
      url: market.node.url,
      account: privateKeyToAccount(market.net.key(BUYER)),
      chainId: market.net.deployment.chainId,
      marketplace: market.net.deployment.marketplace,
      apiSigner: { client: market.net.publicClient, deployment: market.net.deployment, provider: market.node.address },
    });

  it("signs a quote the buyer takes in one transaction; the node runs the lease with no acknowledgement of its own", async () => {
    const b = buyer(market);
    const { json, hash } = await b.manifest(JOB);
    const { quote, signature } = await verifyingClient().requestQuote(offerId, hash);
    expect(quote).toMatchObject({ offerId, buyer: b.account.address, pricePerSecond: PRICE, manifestHash: hash });
    expect(Number(quote.expiry)).toBeGreaterThan(Date.now() / 1000 + 100);

    const providerTxs = await market.net.publicClient.getTransactionCount({ address: market.node.address });
    const deposit = PRICE * 600n;
    const { event } = await takeQuoteSync(b.wallet, { deployment: market.net.deployment, quote, signature, deposit });
    const leaseId = event.leaseId;
    expect((await chainLease(market, leaseId)).state).toBe(LeaseState.Active);
    await b.waitFor(leaseId, ["acknowledged"]);
    expect(leaseRecord(market, leaseId).paidUntil).not.toBeNull();
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    const done = await b.waitFor(leaseId, ["completed"]);
    expect(done.exitCode).toBe(0);

    // The node sent its completion, and nothing else: no acknowledgement for a quoted lease.
    expect(await market.net.publicClient.getTransactionCount({ address: market.node.address })).toBe(providerTxs + 1);
    const events = await leaseEvents(market, leaseId);
    expect(events.closed?.args.refund).toBe(deposit - events.paid);
  });

  it("gives every quote a fresh nonce, also after a restart", async () => {
    const b = buyer(market);
    const { hash } = await b.manifest(JOB);
    const first = await verifyingClient().requestQuote(offerId, hash);
    const second = await verifyingClient().requestQuote(offerId, hash);
    expect(second.quote.nonce).toBeGreaterThan(first.quote.nonce);
    await market.node.close();
    await market.restart();
    const third = await verifyingClient().requestQuote(offerId, hash);
    expect(third.quote.nonce).toBeGreaterThan(second.quote.nonce);
  });

  it("refuses to quote an offer that is not its own, naming it", async () => {
    const { hash } = await buyer(market).manifest(JOB);
    const refused = await verifyingClient()
      .requestQuote(999n, hash)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderApiError);
    expect((refused as ProviderApiError).status).toBe(404);
    expect((refused as Error).message).toContain("offer 999 is not an offer of this provider");
  });
});
