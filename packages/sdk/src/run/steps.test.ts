// runJob's steps on a real anvil with the real contracts: the cheapest offer, the quote path's fallback when the
// provider gives no quote, the one acknowledgement wait, the bill from events, and an auction on an idle chain
// that ends at its deadline by this machine's clock and refunds the deposit.
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type Address, getAddress, type Hex, keccak256, parseEther, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acknowledgeLeaseSync } from "../actions/marketplace/acknowledgeLease.js";
import { closeLeaseSync } from "../actions/marketplace/closeLease.js";
import { completeLeaseSync } from "../actions/marketplace/completeLease.js";
import { getLease } from "../actions/marketplace/getLease.js";
import { postOfferSync } from "../actions/marketplace/postOffer.js";
import { signQuote } from "../actions/marketplace/signQuote.js";
import { registerProviderSync } from "../actions/registry/registerProvider.js";
import { stakeSync } from "../actions/registry/stake.js";
import { startTestnet, type Testnet } from "../actions/testnet.test-fixture.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import { getTokenBalance } from "../actions/token/getTokenBalance.js";
import { EXIT, OcxNoMatchError } from "../errors.js";
import { LeaseState } from "../generated/enums.js";
import { parseManifest } from "../manifest/parse.js";
import { bodyHash } from "../signing/bodyHash.js";
import { signAnswer } from "../signing/signAnswer.js";
import { OCX_SIGNER_HEADER } from "../signing/typedData.js";
import { toLabel } from "../units.js";
import { billLease } from "./billLease.js";
import { connectProvider } from "./connect.js";
import { auctionPricePerSecond, leaseDeposit, maxLeaseDeposit } from "./deposit.js";
import type { RunJobEvent } from "./events.js";
import { fetchResults } from "./fetchResults.js";
import { findOffer, NoMatchingOfferError } from "./findOffer.js";
import type { OfferTerms } from "./match.js";
import { type TakenLease, takeLease } from "./takeLease.js";

/** The private keys of the fixture's accounts 2 and 3 (anvil's defaults): they sign requests to providers. */
const KEY_2 = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const KEY_3 = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
/** Account 4's key: the quoting provider's, which is also its registered apiSigner. */
const KEY_4 = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";

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

  it("bounds what a lease chosen by findOffer may take before any transaction: the offer's, or the auction's", () => {
    const manifest = { maxDurationSeconds: 600, resources: { gpu: { count: 2 } } } as Parameters<
      typeof maxLeaseDeposit
    >[1];
    const terms = { ...offer } as unknown as OfferTerms;
    expect(maxLeaseDeposit({ kind: "offer", offer: terms, pricePerGpuHour: 0n }, manifest)).toBe(4200n);
    // 2 GPUs at 9,000 per GPU-hour: 5 per second (18,000 ÷ 3,600), rounded down for the buyer.
    const auction = { kind: "auction" as const, maxPricePerGpuHour: 9_000n, reasons: [] };
    expect(auctionPricePerSecond(9_000n, 2)).toBe(5n);
    expect(auctionPricePerSecond(3_599n, 0)).toBe(0n); // a CPU job counts as one GPU
    expect(maxLeaseDeposit(auction, manifest)).toBe(3000n);
    expect(maxLeaseDeposit(auction, manifest, { hours: 0.5 })).toBe(9000n);
    expect(maxLeaseDeposit(auction, manifest, { deposit: 5n })).toBe(5n);
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

describe("takeLease through a provider's signed quote", () => {
  // The provider's quote endpoint as the protocol defines it (POST /quotes, a signed JSON answer), answering with
  // a quote signed by the SDK's signQuote; `expiresIn` lets a test hand out a quote that is already stale.
  let server: http.Server;
  let url: string;
  let expiresIn = 120;
  let quoted = 0;
  let quotedLease: TakenLease | undefined;
  // The results archive the provider serves: one file, out/r.txt.
  const archive = gzipSync(tarOf("out/r.txt", "result\n"));
  let served: Buffer = archive;
  const signer = privateKeyToAccount(KEY_4);
  beforeAll(async () => {
    const { deployment } = testnet;
    server = http.createServer(async (request, response) => {
      const results = /^\/leases\/(\d+)\/results$/.exec(request.url ?? "");
      if (results) {
        // The archive, with the provider's signature over its sha256 (what the client checks on arrival).
        const headers = await signAnswer({
          account: signer,
          chainId: deployment.chainId,
          leaseId: BigInt(results[1] as string),
          route: `GET ${request.url}`,
          body: served,
        });
        response.writeHead(200, { ...headers, "content-type": "application/gzip" }).end(served);
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const asked = JSON.parse(Buffer.concat(chunks).toString()) as { offerId: string; manifestHash: Hex };
      const quote = {
        offerId: BigInt(asked.offerId),
        buyer: getAddress(request.headers[OCX_SIGNER_HEADER] as Address),
        pricePerSecond: 8n, // below the offer's 10
        manifestHash: asked.manifestHash,
        nonce: BigInt(++quoted),
        expiry: BigInt(Math.floor(Date.now() / 1000) + expiresIn),
      };
      const signature = await signQuote(signer, { deployment, chainId: deployment.chainId, quote });
      const body = JSON.stringify({
        quote: Object.fromEntries(Object.entries(quote).map(([k, v]) => [k, String(v)])),
        signature,
      });
      const headers = await signAnswer({
        account: signer,
        chainId: deployment.chainId,
        leaseId: 0n,
        route: "POST /quotes",
        body,
      });
      response.writeHead(200, { ...headers, "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const provider = testnet.wallet(4);
    await registerProviderSync(provider, {
      deployment,
      endpoint: url,
      region: toLabel("eu-west"),
      metadataHash: keccak256(stringToHex("{}")),
      apiSigner: signer.address,
    });
    const stake = parseEther("1000");
    await ensureAllowance(provider, { deployment, spender: deployment.registry, amount: stake });
    await stakeSync(provider, { deployment, amount: stake });
    await postOfferSync(provider, {
      deployment,
      resources: CPU_BUNDLE,
      pricePerSecond: 10n,
      maxLeases: 4,
      minDuration: 60,
      maxDuration: 86_400,
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("takes the quote in one transaction, at the quoted price, with no acknowledgement to wait for", async () => {
    const { deployment, publicClient } = testnet;
    const job = manifest();
    const found = await findOffer(publicClient, { deployment, manifest: job });
    expect(found.kind === "offer" && found.offer.pricePerSecond).toBe(10n);
    const events: RunJobEvent[] = [];
    const lease = await takeLease({
      publicClient,
      walletClient: testnet.wallet(2),
      account: privateKeyToAccount(KEY_2),
      deployment,
      manifest: job,
      found,
      onEvent: (e) => events.push(e),
    });
    expect(lease.via).toBe("quote");
    expect(lease.pricePerSecond).toBe(8n);
    expect(lease.deposit).toBe(8n * 600n);
    expect(lease.endpoint).toBe(url);
    expect(events.map((e) => e.type)).toEqual(["offer", "quote"]);
    expect((await getLease(publicClient, { deployment, leaseId: lease.leaseId })).state).toBe(LeaseState.Active);
    quotedLease = lease;
  });

  it("fetches the results checked against the on-chain hash, and unpacks them from disk", async () => {
    const { deployment, publicClient } = testnet;
    const lease = quotedLease;
    if (!lease) throw new Error("the quote test did not take a lease");
    const { timestamp } = await publicClient.getBlock();
    await completeLeaseSync(testnet.wallet(4), {
      deployment,
      leaseId: lease.leaseId,
      resultHash: bodyHash(archive),
      exitCode: 0,
      endedAt: timestamp,
    });
    const client = connectProvider({ publicClient, deployment, account: privateKeyToAccount(KEY_2), lease });
    const dir = await mkdtemp(path.join(tmpdir(), "ocx-fetch-"));
    const fetched = await fetchResults(client, {
      publicClient,
      deployment,
      leaseId: lease.leaseId,
      url: lease.endpoint,
      dir,
      unpackTo: path.join(dir, "unpacked"),
    });
    expect(fetched?.sha256).toBe(bodyHash(archive));
    expect(fetched?.path).toBe(path.join(dir, `lease-${lease.leaseId}.tar.gz`));
    expect(await readFile(path.join(dir, "unpacked/out/r.txt"), "utf8")).toBe("result\n");

    // Other bytes, even signed by the provider, are not what the lease records: refused, and no file is left.
    served = gzipSync(tarOf("out/r.txt", "forged\n"));
    const other = await mkdtemp(path.join(tmpdir(), "ocx-fetch-"));
    const refused = await fetchResults(client, {
      publicClient,
      deployment,
      leaseId: lease.leaseId,
      url: lease.endpoint,
      dir: other,
      unpackTo: path.join(other, "unpacked"),
      retryMs: 500,
    }).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/hash/);
    expect(existsSync(path.join(other, `lease-${lease.leaseId}.tar.gz`))).toBe(false);
    expect(existsSync(path.join(other, "unpacked"))).toBe(false);
    served = archive;
  });

  it("takes the offer as posted when the contract refuses the quote (expired)", async () => {
    const { deployment, publicClient } = testnet;
    expiresIn = -10;
    const job = manifest();
    const found = await findOffer(publicClient, { deployment, manifest: job });
    const events: RunJobEvent[] = [];
    const acknowledging = new Promise<void>((resolve, reject) => {
      const watch = setInterval(async () => {
        const pending = events.find((e) => e.type === "acknowledging");
        if (pending?.type !== "acknowledging") return;
        clearInterval(watch);
        await acknowledgeLeaseSync(testnet.wallet(4), { deployment, leaseId: pending.leaseId }).then(
          () => resolve(),
          reject,
        );
      }, 20);
    });
    const lease = await takeLease({
      publicClient,
      walletClient: testnet.wallet(2),
      account: privateKeyToAccount(KEY_2),
      deployment,
      manifest: job,
      found,
      pollMs: 50,
      onEvent: (e) => events.push(e),
    });
    await acknowledging;
    expect(lease.via).toBe("offer");
    expect(lease.pricePerSecond).toBe(10n);
    const refused = events.find((e) => e.type === "quote-unavailable");
    expect(refused?.type === "quote-unavailable" && refused.reason).toMatch(/MarketplaceQuoteExpired/);
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

/** A one-file ustar archive (uncompressed). */
function tarOf(name: string, body: string): Buffer {
  const data = Buffer.from(body);
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100);
  header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}
