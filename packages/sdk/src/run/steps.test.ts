// runJob's steps on a real anvil with the real contracts: the cheapest offer, the quote path's fallback when the
// provider gives no quote, the one acknowledgement wait, the bill from events, and an auction on an idle chain
// that ends at its deadline by this machine's clock and refunds the deposit.
import net from "node:net";
import { keccak256, parseEther, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acknowledgeLeaseSync } from "../actions/marketplace/acknowledgeLease.js";
import { closeLeaseSync } from "../actions/marketplace/closeLease.js";
import { getLease } from "../actions/marketplace/getLease.js";
import { postOfferSync } from "../actions/marketplace/postOffer.js";
import { registerProviderSync } from "../actions/registry/registerProvider.js";
import { stakeSync } from "../actions/registry/stake.js";
import { startTestnet, type Testnet } from "../actions/testnet.test-fixture.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import { getTokenBalance } from "../actions/token/getTokenBalance.js";
import { EXIT, OcxNoMatchError } from "../errors.js";
import { LeaseState } from "../generated/enums.js";
import { parseManifest } from "../manifest/parse.js";
import { toLabel } from "../units.js";
import { billLease } from "./billLease.js";
import { leaseDeposit } from "./deposit.js";
import type { RunJobEvent } from "./events.js";
import { findOffer, NoMatchingOfferError } from "./findOffer.js";
import { takeLease } from "./takeLease.js";

/** The private keys of the fixture's accounts 2 and 3 (anvil's defaults): they sign requests to providers. */
const KEY_2 = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const KEY_3 = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

const closedPort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

const CPU_BUNDLE = {
  gpuModel: toLabel(""),
  region: toLabel("eu-west"),
  gpuCount: 0,
  gpuVramMiB: 0,
  cpuMillicores: 2000,
  memoryMiB: 4096,
  diskMiB: 10240,
};

const manifest = (resources = "{ cpu: 1, memory: 256Mi, disk: 64Mi }", extra = "") =>
  parseManifest(`version: 1
name: steps
command: [sh, -c, "echo hi"]
resources: ${resources}
maxDuration: 10m
${extra}`);

let testnet: Testnet;
beforeAll(async () => {
  testnet = await startTestnet();
});
afterAll(async () => {
  await testnet?.stop();
});

describe("leaseDeposit", () => {
  const offer = { pricePerSecond: 7n, minDuration: 60, maxDuration: 3600 };
  it("funds the manifest's duration within the offer's bounds, exactly", () => {
    expect(leaseDeposit(offer, { maxDurationSeconds: 600 })).toBe(4200n);
    expect(leaseDeposit(offer, { maxDurationSeconds: 10 })).toBe(7n * 60n); // raised to the minimum
    expect(leaseDeposit(offer, { maxDurationSeconds: 86_400 })).toBe(7n * 3600n); // lowered to the maximum
    expect(leaseDeposit(offer, { maxDurationSeconds: 600 }, { hours: 0.5 })).toBe(7n * 1800n);
    expect(leaseDeposit(offer, { maxDurationSeconds: 600 }, { deposit: 5n })).toBe(5n);
  });
});

describe("findOffer, takeLease and billLease on offers", () => {
  let endpoint: string;
  beforeAll(async () => {
    const { deployment } = testnet;
    const provider = testnet.wallet(1);
    // The provider's API is down: no quote can be had, so the offer is taken as posted.
    endpoint = `http://127.0.0.1:${await closedPort()}`;
    await registerProviderSync(provider, {
      deployment,
      endpoint,
      region: toLabel("eu-west"),
      metadataHash: keccak256(stringToHex("{}")),
      apiSigner: provider.account.address,
    });
    const stake = parseEther("1000");
    await ensureAllowance(provider, { deployment, spender: deployment.registry, amount: stake });
    await stakeSync(provider, { deployment, amount: stake });
    for (const pricePerSecond of [30n, 20n]) {
      await postOfferSync(provider, {
        deployment,
        resources: CPU_BUNDLE,
        pricePerSecond,
        maxLeases: 4,
        minDuration: 60,
        maxDuration: 86_400,
      });
    }
  });

  it("finds the cheapest matching offer, and names each offer's reasons when none matches", async () => {
    const found = await findOffer(testnet.publicClient, { deployment: testnet.deployment, manifest: manifest() });
    expect(found.kind).toBe("offer");
    if (found.kind !== "offer") return;
    expect(found.offer.offerId).toBe(2n);
    expect(found.offer.pricePerSecond).toBe(20n);

    const error = await findOffer(testnet.publicClient, {
      deployment: testnet.deployment,
      manifest: manifest("{ cpu: 64, memory: 256Mi, disk: 64Mi }"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoMatchingOfferError);
    expect(error).toBeInstanceOf(OcxNoMatchError);
    expect((error as OcxNoMatchError).exitCode).toBe(EXIT.noMatch);
    expect((error as NoMatchingOfferError).reasons.map((r) => r.offerId)).toEqual([1n, 2n]);
  });

  it("falls back to the posted offer when the provider gives no quote, and waits once for the acknowledgement", async () => {
    const { deployment, publicClient } = testnet;
    const buyer = testnet.wallet(2);
    const job = manifest();
    const found = await findOffer(publicClient, { deployment, manifest: job });
    const events: RunJobEvent[] = [];
    const provider = testnet.wallet(1);
    // The provider acknowledges as soon as it sees the lease pending.
    const acknowledging = new Promise<void>((resolve, reject) => {
      const watch = setInterval(async () => {
        const pending = events.find((e) => e.type === "acknowledging");
        if (pending?.type !== "acknowledging") return;
        clearInterval(watch);
        await acknowledgeLeaseSync(provider, { deployment, leaseId: pending.leaseId }).then(() => resolve(), reject);
      }, 20);
    });
    const lease = await takeLease({
      publicClient,
      walletClient: buyer,
      account: privateKeyToAccount(KEY_2),
      deployment,
      manifest: job,
      found,
      pollMs: 50,
      onEvent: (e) => events.push(e),
    });
    await acknowledging;
    expect(lease.via).toBe("offer");
    expect(lease.offerId).toBe(2n);
    expect(lease.endpoint).toBe(endpoint);
    expect(lease.deposit).toBe(20n * 600n);
    expect(events.map((e) => e.type)).toEqual(["offer", "quote-unavailable", "acknowledging"]);
    expect((await getLease(publicClient, { deployment, leaseId: lease.leaseId })).state).toBe(LeaseState.Active);

    // The buyer closes it: the bill adds up from the events, exactly.
    await closeLeaseSync(buyer, { deployment, leaseId: lease.leaseId });
    const bill = await billLease(publicClient, { deployment, leaseId: lease.leaseId });
    expect(bill.pricePerSecond).toBe(20n);
    expect(bill.paid).toBe(bill.seconds * 20n);
    expect(bill.paid + bill.refund).toBe(lease.deposit);
  });
});

describe("an auction on an idle chain", () => {
  it("ends at its deadline by this machine's clock, refunds the deposit, and throws OcxNoMatchError", async () => {
    const { deployment, publicClient } = testnet;
    const buyer = testnet.wallet(3);
    const before = await getTokenBalance(publicClient, { deployment, account: buyer.account.address });
    const job = manifest("{ gpu: { count: 1 }, cpu: 1, memory: 256Mi, disk: 64Mi }", 'maxPricePerGpuHour: "3.6"');
    const found = await findOffer(publicClient, { deployment, manifest: job });
    expect(found.kind).toBe("auction");
    const events: RunJobEvent[] = [];
    const started = Date.now();
    const error = await takeLease({
      publicClient,
      walletClient: buyer,
      account: privateKeyToAccount(KEY_3),
      deployment,
      manifest: job,
      found,
      biddingSeconds: 60,
      pollMs: 250,
      onEvent: (e) => events.push(e),
    }).catch((e: unknown) => e);
    const elapsed = (Date.now() - started) / 1000;
    expect(error).toBeInstanceOf(OcxNoMatchError);
    expect((error as OcxNoMatchError).shortMessage).toMatch(/no provider bid on request #\d+ by its deadline/);
    // No block was mined while bidding ran: the wall clock ended it, within a few seconds of the window.
    expect(elapsed).toBeGreaterThanOrEqual(60);
    expect(elapsed).toBeLessThan(75);
    const progress = events.filter((e) => e.type === "auction");
    expect(progress.length).toBeGreaterThan(3);
    expect(events.at(-1)?.type).toBe("refunded");
    expect(await getTokenBalance(publicClient, { deployment, account: buyer.account.address })).toBe(before);
  }, 120_000);
});
