// The quote path end to end on a real chain and node: the buyer asks POST /quotes, takes the
// signed quote in one transaction, and the lease runs with no acknowledgement to wait for.
import { OcxContractError, takeQuoteSync } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyer, firstOfferId, leaseEvents, type Market, startMarket } from "./harness.js";

const DATA = "quoted input\n";
const JOB = `
version: 1
name: quoted
command: "cat data.txt"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
inputs: [{ path: data.txt, source: data.txt }]
maxDuration: 10m
`;

describe("POST /quotes with the node's own pricing", () => {
  let market: Market;
  beforeAll(async () => {
    market = await startMarket();
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("a signed quote becomes an active lease in one transaction, and is good once", async () => {
    const b = buyer(market);
    await b.approve();
    const { json, hash } = await b.manifest(JOB, { "data.txt": DATA });
    const offerId = await firstOfferId(market);
    const { quote, signature } = await b.client.requestQuote(offerId, hash);
    expect(quote).toMatchObject({ offerId, buyer: b.account.address, manifestHash: hash });
    expect(quote.expiry).toBeGreaterThan(BigInt(Math.floor(Date.now() / 1000)));

    const deposit = quote.pricePerSecond * 600n;
    const { event } = await takeQuoteSync(b.wallet, { deployment: market.net.deployment, quote, signature, deposit });
    const leaseId = event.leaseId;
    // Already active: the node adopts it without an acknowledgement transaction.
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.uploadInput(leaseId, "data.txt", new TextEncoder().encode(DATA));
    await b.client.start(leaseId);
    const done = await b.waitFor(leaseId, ["completed"]);
    expect(done.exitCode).toBe(0);
    const events = await leaseEvents(market, leaseId);
    expect(events.acknowledged).toBeUndefined();
    expect(events.completed).toBeDefined();

    // The same quote again: its nonce is spent.
    const again = await takeQuoteSync(b.wallet, { deployment: market.net.deployment, quote, signature, deposit }).catch(
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(OcxContractError);
    expect((again as OcxContractError).errorName).toBe("MarketplaceQuoteNonceUsed");
  }, 120_000);
});
