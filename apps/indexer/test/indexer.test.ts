// The indexer on a real anvil with the OCX contracts, embedded PGlite: offers, a lease's whole life and the network
// figures; a reorganisation (evm_snapshot / evm_revert, then other blocks) undoes what the dropped blocks wrote; a
// kill -9 and a restart on the same database neither lose nor double-count an event.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, type Localnet, registerStakedProvider, startLocalnet } from "@ocx/node-kit";
import {
  acknowledgeLeaseSync,
  completeLeaseSync,
  createIndexerClient,
  ensureAllowance,
  postOfferSync,
  signQuote,
  takeOfferSync,
  takeQuoteSync,
  toLabel,
} from "@ocx/sdk";
import { createTestClient, http, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningIndexer, startIndexer } from "../launch.js";

const PRICE = 10n ** 15n;
const H100 = {
  gpuModel: toLabel("h100"),
  region: toLabel("eu-west"),
  gpuCount: 2,
  gpuVramMiB: 81920,
  cpuMillicores: 16000,
  memoryMiB: 131072,
  diskMiB: 512000,
};

let net: Localnet | undefined;
let indexer: RunningIndexer | undefined;
let dir = "";
let deploymentFile = "";
let port = 0;

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not seen within ${ms} ms; last ${JSON.stringify(last)}\n${indexer?.log().slice(-3000)}`);
}

const start = () =>
  startIndexer({
    rpcUrl: (net as Localnet).anvil.rpcUrl,
    deploymentFile,
    port,
    dataDir: path.join(dir, "pglite"),
    timeoutMs: 240_000,
  });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ocx-indexer-"));
  net = await startLocalnet();
  deploymentFile = path.join(dir, "31337.json");
  writeFileSync(deploymentFile, JSON.stringify(net.deployment));
  port = await freePort();
  indexer = await start();
}, 300_000);

afterAll(async () => {
  await indexer?.stop();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the indexer", () => {
  it("indexes offers and a lease's life, and answers the order book and the network figures", async () => {
    const l = net as Localnet;
    const { deployment, publicClient } = l;
    const provider = l.wallet(1);
    const buyer = l.wallet(2);
    await registerStakedProvider(l, provider, { endpoint: "https://gpu.example.com", committedGpus: 12n });
    const terms = { deployment, maxLeases: 1, minDuration: 60, maxDuration: 86_400 };
    const cheap = await postOfferSync(provider, { ...terms, resources: H100, pricePerSecond: PRICE });
    await postOfferSync(provider, { ...terms, resources: H100, pricePerSecond: PRICE * 2n });
    await postOfferSync(provider, {
      ...terms,
      resources: { ...H100, gpuModel: toLabel("a100"), gpuCount: 1 },
      pricePerSecond: PRICE,
    });
    const client = createIndexerClient((indexer as RunningIndexer).url);
    const book = await until(
      "3 offers",
      () => client.offers({ gpuModel: "h100" }),
      (b) => b.total === 2,
    );
    expect(book.offers.map((o) => o.pricePerGpuHour)).toEqual([
      ((PRICE * 3600n) / 2n).toString(),
      ((PRICE * 2n * 3600n) / 2n).toString(),
    ]);
    expect(book.offers[0]).toMatchObject({ gpuModel: "h100", region: "eu-west", gpuCount: 2, verified: false });
    expect((await client.offers({ maxPrice: (PRICE * 3600n) / 2n })).total).toBe(1); // the cheap h100 only (the a100 is 1 GPU)
    await expect(client.offers({ gpuModel: "x".repeat(40) })).rejects.toThrow(/gpuModel must be a label/);

    // A CPU-only bundle as the provider node posts it: no GPUs, the empty label.
    const cpu = await postOfferSync(provider, {
      ...terms,
      resources: { ...H100, gpuModel: toLabel(""), gpuCount: 0, gpuVramMiB: 0 },
      pricePerSecond: PRICE / 10n,
    });
    const all = await until(
      "the CPU offer",
      () => client.offers({ sort: "id" }),
      (b) => b.total === 4,
    );
    // sort=id: the order offers were posted.
    const ids = all.offers.map((o) => BigInt(o.offerId));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(ids.at(-1)).toBe(cpu.event.offerId);
    // The default, price per GPU-hour: the CPU bundle (one unit), the cheap h100, then the dear h100 and the a100
    // at the same price per GPU-hour, by offer id.
    const [, dearH100, a100] = ids;
    expect((await client.offers()).offers.map((o) => [o.offerId, o.pricePerGpuHour])).toEqual([
      [cpu.event.offerId.toString(), (PRICE * 360n).toString()],
      [cheap.event.offerId.toString(), (PRICE * 1800n).toString()],
      [String(dearH100), (PRICE * 3600n).toString()],
      [String(a100), (PRICE * 3600n).toString()],
    ]);
    const cpuOnly = await client.offers({ gpuModel: "cpu" });
    expect(cpuOnly.offers.map((o) => o.offerId)).toEqual([cpu.event.offerId.toString()]);
    expect(cpuOnly.offers[0]).toMatchObject({ gpuCount: 0, gpuModel: "" });
    // minGpus, then offset and limit over what is left: total counts every match.
    const twoGpus = await client.offers({ minGpus: 2, limit: 1 });
    expect(twoGpus.total).toBe(2);
    expect(twoGpus.offers.map((o) => o.offerId)).toEqual([cheap.event.offerId.toString()]);
    const second = await client.offers({ minGpus: 2, limit: 1, offset: 1 });
    expect(second.offers.map((o) => o.gpuCount)).toEqual([2]);
    expect(second.offers[0]?.offerId).not.toBe(cheap.event.offerId.toString());
    expect((await client.offers({ minGpus: 1 })).total).toBe(3);
    // A provider with no reputation events sits at 0.5.
    expect((await client.offers({ minReputation: 0.5 })).total).toBe(4);
    expect((await client.offers({ minReputation: 0.51, limit: 1 })).total).toBe(0);
    for (const [query, message] of [
      ["minGpus=-1", /minGpus must be an integer from 0 to 65535, got "-1"/],
      ["minGpus=two", /minGpus must be an integer/],
      ["minReputation=1.5", /minReputation must be a number from 0 to 1 \(e\.g\. 0\.6\), got "1\.5"/],
      ["minReputation=-0.1", /minReputation must be a number from 0 to 1/],
      ["sort=cheapest", /sort must be price, reputation or id, got "cheapest"/],
    ] as const) {
      const response = await fetch(`${client.url}/offers?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }

    const deposit = PRICE * 3600n;
    await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: deposit });
    const taken = await takeOfferSync(buyer, {
      deployment,
      offerId: cheap.event.offerId,
      maxPricePerSecond: PRICE,
      manifestHash: keccak256(stringToHex("job")),
      deposit,
    });
    const { leaseId } = taken.event;
    const ack = await acknowledgeLeaseSync(provider, { deployment, leaseId });
    const live = await until(
      "the live lease",
      () => client.leases({ live: true }),
      (r) => r.leases.some((x) => x.state === "running"),
    );
    expect(live.leases[0]).toMatchObject({ leaseId: leaseId.toString(), gpuModel: "h100", gpuCount: 2 });
    const testClient = createTestClient({ mode: "anvil", transport: http(l.anvil.rpcUrl) });
    await testClient.setNextBlockTimestamp({ timestamp: ack.event.startedAt + 100n });
    const completed = await completeLeaseSync(provider, {
      deployment,
      leaseId,
      resultHash: keccak256(stringToHex("out")),
      exitCode: 0,
      endedAt: ack.event.startedAt + 100n,
    });
    // The first answer that names the completion's block already counts it (Ponder writes a block's tables one by
    // one; an answer names only a block whose rows are all written). Asked back to back, without a pause, so that
    // an answer given between two tables' writes is seen.
    let first = await client.networkMetrics({ window: "1h" });
    for (const deadline = Date.now() + 60_000; (first.block?.number ?? -1) < Number(completed.receipt.blockNumber); ) {
      if (Date.now() > deadline) throw new Error(`block ${completed.receipt.blockNumber} not indexed within 60 s`);
      first = await client.networkMetrics({ window: "1h" });
    }
    expect(first.totals.jobsCompleted).toBe(1);
    const record = await until(
      "the provider's record",
      () => client.provider(provider.account.address),
      (r) => r.provider.completed === 1,
    );
    const paid = PRICE * 100n;
    const fee = (paid * 250n) / 10_000n;
    expect(record.provider).toMatchObject({ leases: 1, completed: 1, noShows: 0, uptime: 1 });
    expect(record.provider.earnings).toBe((paid - fee).toString());
    expect(record.provider.reputation).toBeGreaterThan(0.5);
    const trusted = await client.offers({ minReputation: 0.51 });
    expect(trusted.total).toBe(4);
    expect(trusted.offers.every((o) => o.reputation >= 0.51)).toBe(true);
    expect((await client.offers({ minReputation: record.provider.reputation + 0.01 })).total).toBe(0);
    const metrics = await client.networkMetrics({ window: "1h" });
    expect(metrics.totals).toMatchObject({ jobsCompleted: 1, gpuSecondsLeased: 200, revenue: paid.toString() });
    expect(metrics.totals.fees).toBe(fee.toString());
    const prices = await client.prices();
    expect(prices.models).toEqual([
      expect.objectContaining({ gpuModel: "h100", leases: 1, median: ((PRICE * 3600n) / 2n).toString() }),
    ]);

    // A lease taken from the provider's signed quote is acknowledged by the signature: running from its block.
    const quote = {
      offerId: cheap.event.offerId + 1n,
      buyer: buyer.account.address,
      pricePerSecond: PRICE * 2n,
      manifestHash: keccak256(stringToHex("quoted job")),
      nonce: 1n,
      expiry: BigInt(Math.floor(Date.now() / 1000) + 3600),
    };
    const signature = await signQuote(privateKeyToAccount(l.key(1)), {
      deployment,
      chainId: deployment.chainId,
      quote,
    });
    await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: deposit * 2n });
    const quoted = await takeQuoteSync(buyer, { deployment, quote, signature, deposit: deposit * 2n });
    const block = await publicClient.getBlock({ blockNumber: quoted.receipt.blockNumber });
    const running = await until(
      "the quoted lease",
      () => client.leases({ live: true }),
      (r) => r.leases.some((x) => x.leaseId === quoted.event.leaseId.toString()),
    );
    expect(running.leases.find((x) => x.leaseId === quoted.event.leaseId.toString())).toMatchObject({
      state: "running",
      startedAt: Number(block.timestamp),
    });
    const info = await client.status();
    expect(info.unit).toBe(deployment.paymentToken === deployment.token ? "ocx" : "usd");
    expect(info.paymentToken).toBe(deployment.paymentToken);
  }, 180_000);

  it("undoes the blocks a reorganisation drops", async () => {
    const l = net as Localnet;
    const testClient = createTestClient({ mode: "anvil", transport: http(l.anvil.rpcUrl) });
    const client = createIndexerClient((indexer as RunningIndexer).url);
    const before = (await client.offers({ state: "all" })).total;
    const snapshot = await testClient.snapshot();
    await postOfferSync(l.wallet(1), {
      deployment: l.deployment,
      resources: { ...H100, gpuModel: toLabel("reorged") },
      pricePerSecond: PRICE,
      maxLeases: 1,
      minDuration: 60,
      maxDuration: 86_400,
    });
    await until(
      "the offer in the dropped block",
      () => client.offers({ gpuModel: "reorged" }),
      (b) => b.total === 1,
    );
    await testClient.revert({ id: snapshot });
    await testClient.mine({ blocks: 3 }); // a longer chain without the offer
    await until(
      "the offer gone after the reorg",
      () => client.offers({ state: "all" }),
      (b) => b.total === before && !b.offers.some((o) => o.gpuModel === "reorged"),
    );
  }, 120_000);

  it("resumes after kill -9 without losing or double-counting events", async () => {
    const l = net as Localnet;
    const client = createIndexerClient((indexer as RunningIndexer).url);
    const chainLogs = async () =>
      (
        await l.publicClient.getLogs({
          address: [l.deployment.token, l.deployment.registry, l.deployment.marketplace],
          fromBlock: BigInt(l.deployment.startBlock),
        })
      ).length;
    const head = await l.publicClient.getBlockNumber();
    await until(
      "the head indexed",
      () => client.status(),
      (s) => (s.block?.number ?? 0) >= Number(head),
    );
    const offersBefore = (await client.offers({ state: "all" })).total;
    const leasesBefore = (await client.provider(l.wallet(1).account.address)).provider.leases;
    (indexer as RunningIndexer).child.kill("SIGKILL");
    await new Promise((r) => (indexer as RunningIndexer).child.once("exit", r));
    // Events while it is down.
    await postOfferSync(l.wallet(1), {
      deployment: l.deployment,
      resources: H100,
      pricePerSecond: PRICE * 3n,
      maxLeases: 1,
      minDuration: 60,
      maxDuration: 86_400,
    });
    indexer = await start();
    const after = await until(
      "the offer posted while down",
      () => client.offers({ state: "all" }),
      (b) => b.total === offersBefore + 1,
    );
    expect(after.offers.filter((o) => o.pricePerSecond === (PRICE * 3n).toString())).toHaveLength(1);
    const provider = await client.provider(l.wallet(1).account.address);
    expect(leasesBefore).toBe(2); // the offer's lease and the quoted one
    expect(provider.provider.leases).toBe(leasesBefore); // the leases were not counted again
    expect(await chainLogs()).toBeGreaterThan(0);
  }, 400_000);
});
