// The provider node end to end against a real anvil, the real contracts and a real bubblewrap sandbox.
import { marketplaceAbi } from "@ocx/sdk";
import { parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyer, firstOfferId, leaseRecord, type Market, startMarket } from "./harness.js";

const JOB = `
version: 1
name: hello
command: "echo started; cat data.txt; mkdir -p out; echo 42 > out/answer.txt; echo done >&2"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
inputs: [{ path: data.txt, source: data.txt }]
outputs: [out]
maxDuration: 10m
`;

describe("provider node", () => {
  let market: Market;
  beforeAll(async () => {
    market = await startMarket();
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("registers, stakes and publishes its offer from the config", async () => {
    const status = (await (await fetch(`${market.node.url}/status`)).json()) as {
      offers: { offerId: string; state: string }[];
    };
    expect(status.offers).toHaveLength(1);
    expect(status.offers[0]?.state).toBe("Active");
    expect((await fetch(`${market.node.url}/ready`)).status).toBe(200);
  });

  it("runs a taken offer's job: ack, upload, sandboxed run, logs, results with a matching hash, exact money", async () => {
    const b = buyer(market);
    await b.approve();
    const { json, hash } = await b.manifest(JOB, { "data.txt": "hello from the buyer\n" });
    const offerId = await firstOfferId(market);
    const price = 10n ** 15n; // 3.6 OCX per hour
    const deposit = price * 600n;
    const before = await b.balance();
    const leaseId = await b.take(offerId, hash, deposit);

    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.uploadInput(leaseId, "data.txt", new TextEncoder().encode("hello from the buyer\n"));
    await b.client.start(leaseId);
    const done = await b.waitFor(leaseId, ["completed"]);
    expect(done.exitCode).toBe(0);

    let stdout = "";
    for await (const chunk of b.client.logs(leaseId)) stdout += new TextDecoder().decode(chunk);
    expect(stdout).toBe("started\nhello from the buyer\n");
    let stderr = "";
    for await (const chunk of b.client.logs(leaseId, { stream: "stderr" })) stderr += new TextDecoder().decode(chunk);
    expect(stderr).toBe("done\n");
    // Resumable from a byte offset.
    let tail = "";
    for await (const chunk of b.client.logs(leaseId, { offset: 8 })) tail += new TextDecoder().decode(chunk);
    expect(tail).toBe("hello from the buyer\n");

    const results = await b.client.results(leaseId);
    expect(results.sha256).toBe(done.resultHash);

    // The chain agrees: the completion records the same hash, and the money is exact.
    const { publicClient, deployment } = market.net;
    const logs = await publicClient.getContractEvents({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      fromBlock: 0n,
      args: { leaseId } as never,
      strict: true,
    });
    const completed = parseEventLogs({ abi: marketplaceAbi, logs, eventName: "LeaseCompleted" })[0];
    expect(completed?.args.resultHash).toBe(results.sha256);
    const acked = parseEventLogs({ abi: marketplaceAbi, logs, eventName: "LeaseAcknowledged" })[0];
    const settled = parseEventLogs({ abi: marketplaceAbi, logs, eventName: "LeaseSettled" });
    const closed = parseEventLogs({ abi: marketplaceAbi, logs, eventName: "LeaseClosed" })[0];
    const completedBlock = await publicClient.getBlock({ blockNumber: completed?.blockNumber as bigint });
    // Billed up to the second the workload exited (recorded by the sandbox), not the completion's block.
    const endedAt = BigInt(leaseRecord(market, leaseId).endedAt as number);
    expect(endedAt).toBeLessThanOrEqual(completedBlock.timestamp);
    const startedAt = acked?.args.startedAt as bigint;
    const seconds = (endedAt > startedAt ? endedAt : startedAt) - startedAt; // the contract clamps to [settledAt, now]
    const paid = settled.reduce((sum, e) => sum + e.args.paid, 0n);
    const fee = settled.reduce((sum, e) => sum + e.args.fee, 0n);
    expect(paid).toBe(price * seconds);
    expect(fee).toBe((paid * 250n) / 10_000n);
    expect(closed?.args.refund).toBe(deposit - paid);
    expect(await b.balance()).toBe(before - paid);
    const earnings = await publicClient.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "earningsOf",
      args: [market.node.address],
    });
    expect(earnings).toBe(paid - fee);

    // Each move of the lease machine was counted.
    const metrics = await (await fetch(`${market.node.url}/metrics`)).text();
    for (const [from, to] of [
      ["pending", "acknowledged"],
      ["acknowledged", "running"],
      ["running", "finishing"],
      ["finishing", "completed"],
    ]) {
      expect(metrics).toMatch(
        new RegExp(`ocx_provider_transitions_total\\{machine="lease",from="${from}",to="${to}"\\} [1-9]`),
      );
    }
  });
});
