// Many leases at once: the node acknowledges the new leases of one batch of chain events in one
// transaction (acknowledgeMany), and completes leases that finish together in one (completeMany).
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { marketplaceAbi } from "@ocx/sdk";
import { createTestClient, http, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUYER, buyer, firstOfferId, type Market, startMarket, waitUntil } from "./harness.js";

const PRICE = 10n ** 15n;
const JOB = `
version: 1
name: together
command: "mkdir -p out; while [ ! -f go ]; do sleep 0.05; done; echo done > out/x"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
outputs: [out]
maxDuration: 10m
`;

describe("batched acknowledgements and completions", () => {
  let market: Market;
  beforeAll(async () => {
    market = await startMarket(`offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 0.5, memoryMiB: 256, diskMiB: 1024, maxLeases: 6, minDuration: 1 }`);
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("acknowledges three leases taken in one block with one transaction, and completes them in fewer than three", async () => {
    const { net } = market;
    const test = createTestClient({ mode: "anvil", chain: net.chain, transport: http(net.anvil.rpcUrl) });
    const offerId = await firstOfferId(market);
    const buyers = [BUYER, BUYER + 1, BUYER + 2].map((i) => buyer(market, i));
    for (const b of buyers) await b.approve();
    const manifests = await Promise.all(buyers.map((b) => b.manifest(JOB)));

    // The three takes land in one block, so the node sees them in one batch of events.
    await test.setAutomine(false);
    const taking = buyers.map((b, i) => b.take(offerId, (manifests[i] as { hash: `0x${string}` }).hash, PRICE * 600n));
    await new Promise((r) => setTimeout(r, 300));
    await test.mine({ blocks: 1 });
    // From here blocks come every second: a completion in flight waits for its block while the others finish.
    await test.setIntervalMining({ interval: 1 });
    const leaseIds = await Promise.all(taking);
    try {
      for (const [i, b] of buyers.entries()) {
        const leaseId = leaseIds[i] as bigint;
        await b.waitFor(leaseId, ["acknowledged"]);
        await b.client.uploadManifest(leaseId, (manifests[i] as { json: string }).json);
        await b.client.start(leaseId);
        await b.waitFor(leaseId, ["running"]);
      }
      const jobDir = (id: bigint) => path.join(market.config.stateDir, "jobs", id.toString());
      await waitUntil("every job to start", () => leaseIds.every((id) => existsSync(path.join(jobDir(id), "out"))));
      for (const id of leaseIds) writeFileSync(path.join(jobDir(id), "go"), "");
      for (const [i, b] of buyers.entries()) await b.waitFor(leaseIds[i] as bigint, ["completed"], 30_000);
    } finally {
      await test.setIntervalMining({ interval: 0 });
      await test.setAutomine(true);
    }

    const logs = await net.publicClient.getContractEvents({
      address: net.deployment.marketplace,
      abi: marketplaceAbi,
      fromBlock: 0n,
      strict: true,
    });
    const txOf = (name: "LeaseAcknowledged" | "LeaseCompleted") =>
      new Set(
        parseEventLogs({ abi: marketplaceAbi, logs, eventName: name })
          .filter((l) => leaseIds.includes(l.args.leaseId))
          .map((l) => l.transactionHash),
      );
    expect(txOf("LeaseAcknowledged").size).toBe(1);
    const completions = parseEventLogs({ abi: marketplaceAbi, logs, eventName: "LeaseCompleted" }).filter((l) =>
      leaseIds.includes(l.args.leaseId),
    );
    expect(completions).toHaveLength(3);
    expect(txOf("LeaseCompleted").size).toBeLessThan(3);
  });
});
