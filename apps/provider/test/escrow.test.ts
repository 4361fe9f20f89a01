// Money running out, and buyers walking away: the node stops compute the moment the escrow is
// empty or the buyer closes, settles exactly, and keeps what the job wrote downloadable.
import { readdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { CloseReason, LeaseState, marketplaceAbi, readTar } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyer, chainLease, firstOfferId, leaseEvents, type Market, startMarket, waitUntil } from "./harness.js";

const PRICE = 10n ** 15n; // 3.6 OCX per hour, per second
const FEE_BPS = 250n;

/** A long job with a marker in its command line, so the test can tell whether it still runs. */
const longJob = (marker: string) => `
version: 1
name: long
command: "mkdir -p out; echo partial > out/partial.txt; echo working; exec sleep ${marker}"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
outputs: [out]
maxDuration: 10m
`;

/** Whether any process on the host runs `sleep <marker>`. */
function sleeping(marker: string): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8") === `sleep\0${marker}\0`) return true;
    } catch {
      // Exited while we looked.
    }
  }
  return false;
}

/** The names and contents of the files in a .tar.gz. */
function untar(gz: Uint8Array): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readTar(gunzipSync(gz))) {
    if (entry.type === "file") files.set(entry.path, new TextDecoder().decode(entry.data));
  }
  return files;
}

describe("escrow and buyer-side endings", () => {
  let market: Market;
  let offerId: bigint;
  beforeAll(async () => {
    market = await startMarket(
      `offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 4, minDuration: 1 }`,
    );
    offerId = await firstOfferId(market);
    await buyer(market).approve();
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("stops the workload within ~2 s of the escrow running out, settles exactly the deposit, keeps partial outputs", async () => {
    const b = buyer(market);
    const marker = "60.001";
    const { json, hash } = await b.manifest(longJob(marker));
    const deposit = PRICE * 3n; // three seconds of compute
    const before = await b.balance();
    const { publicClient, deployment } = market.net;
    const earningsBefore = await publicClient.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "earningsOf",
      args: [market.node.address],
    });
    const leaseId = await b.take(offerId, hash, deposit);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    await waitUntil("the job to start", () => sleeping(marker));

    const startedAt = (await chainLease(market, leaseId)).settledAt;
    const fundedUntil = startedAt + 3; // the escrow pays for exactly three seconds from the acknowledgement
    // Timed by the workload's own end (seen in /proc), not by polling the API.
    await waitUntil("the node to stop the workload", () => !sleeping(marker), 15_000);
    const stoppedAt = Date.now() / 1000;
    expect(stoppedAt - fundedUntil).toBeLessThan(2.5);
    const status = await b.waitFor(leaseId, ["exhausted", "completed", "closed"], 15_000);
    expect(status.phase).toBe("exhausted");
    expect(status.message).toMatch(/escrow ran out/);

    // On-chain: closed as Exhausted, the whole deposit paid out, nothing back to the buyer.
    const events = await waitUntil("the lease to close on-chain", async () => {
      const e = await leaseEvents(market, leaseId);
      return e.closed ? e : undefined;
    });
    expect(events.closed?.args.reason).toBe(CloseReason.Exhausted);
    expect(events.closed?.args.refund).toBe(0n);
    expect(events.completed).toBeUndefined();
    expect(events.paid).toBe(deposit);
    expect(events.fee).toBe((deposit * FEE_BPS) / 10_000n);
    expect((await chainLease(market, leaseId)).state).toBe(LeaseState.Closed);
    expect(await b.balance()).toBe(before - deposit);
    const earningsAfter = await publicClient.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "earningsOf",
      args: [market.node.address],
    });
    expect(earningsAfter - earningsBefore).toBe(deposit - events.fee);

    // What the job wrote before it was stopped is the buyer's, and its hash matches.
    const results = await b.client.results(leaseId);
    expect(results.sha256).toBe(status.resultHash);
    expect(untar(results.bytes).get("out/partial.txt")).toBe("partial\n");
    let stdout = "";
    for await (const chunk of b.client.logs(leaseId)) stdout += new TextDecoder().decode(chunk);
    expect(stdout).toBe("working\n");
  });

  it("stops the workload when the buyer closes a running lease, and refunds the exact rest", async () => {
    const b = buyer(market);
    const marker = "60.002";
    const { json, hash } = await b.manifest(longJob(marker));
    const deposit = PRICE * 600n;
    const before = await b.balance();
    const leaseId = await b.take(offerId, hash, deposit);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    await waitUntil("the job to start", () => sleeping(marker));

    await b.write("close", leaseId);
    const status = await b.waitFor(leaseId, ["closed", "completed", "exhausted"], 15_000);
    expect(status.phase).toBe("closed");
    expect(status.message).toMatch(/buyer closed/);
    await waitUntil("the workload to stop", () => !sleeping(marker), 10_000);

    const events = await leaseEvents(market, leaseId);
    expect(events.closed?.args.reason).toBe(CloseReason.ClosedByBuyer);
    const seconds = BigInt((events.closedAt as number) - Number(events.acknowledged?.args.startedAt));
    expect(events.paid).toBe(PRICE * seconds);
    expect(events.closed?.args.refund).toBe(deposit - events.paid);
    expect(await b.balance()).toBe(before - events.paid);
    // The partial outputs stay the buyer's.
    const results = await b.client.results(leaseId);
    expect(untar(results.bytes).get("out/partial.txt")).toBe("partial\n");
  });

  it("lets the buyer cancel a lease the node has not acknowledged: full refund, nothing runs, uploads refused", async () => {
    const b = buyer(market);
    const { json, hash } = await b.manifest(longJob("60.003"));
    const deposit = PRICE * 600n;
    const before = await b.balance();
    // The node is down when the buyer takes the offer and changes its mind.
    await market.node.close();
    const leaseId = await b.take(offerId, hash, deposit);
    await b.write("cancel", leaseId);
    expect(await b.balance()).toBe(before);
    await market.restart();

    const status = await b.waitFor(leaseId, ["cancelled", "acknowledged", "running"], 15_000);
    expect(status.phase).toBe("cancelled");
    const events = await leaseEvents(market, leaseId);
    expect(events.acknowledged).toBeUndefined();
    expect(events.closed?.args.reason).toBe(CloseReason.Cancelled);
    expect(events.closed?.args.refund).toBe(deposit);
    await expect(b.client.uploadManifest(leaseId, json)).rejects.toMatchObject({
      status: 409,
      body: { phase: "cancelled" },
    });
    await expect(b.client.start(leaseId)).rejects.toMatchObject({ status: 409 });
  });
});
