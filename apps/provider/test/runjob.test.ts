// The SDK's runJob against a real node: when no offer fits the job, it runs a reverse auction
// (post a request, wait for bids, take the lowest) and then the job, end to end.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { marketplaceAbi, parseManifest, type RunJobEvent, resolveInputs, runJob } from "@ocx/sdk";
import { parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceTime, BUYER, type Market, startMarket, waitUntil } from "./harness.js";

describe("runJob", () => {
  let market: Market;
  beforeAll(async () => {
    market = await startMarket(`offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 2, minDuration: 10 }
bidding: { enabled: true, pricing: { type: fixed, pricePerGpuHour: "1.8" } }
`);
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("falls back to a reverse auction when no offer fits, and runs the job on the winning bid", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ocx-runjob-"));
    await writeFile(path.join(dir, "job.sh"), "mkdir -p out; echo auctioned > out/r.txt; echo via-auction\n");
    // Two cores: the node's only offer has one, so no offer matches; its hardware fits, so it bids.
    const manifest = await resolveInputs(
      parseManifest(`version: 1
name: auction
command: [sh, job.sh]
resources: { cpu: 2, memory: 128Mi, disk: 64Mi }
inputs: [{ path: job.sh, source: job.sh }]
outputs: [out]
maxDuration: 5m
maxPricePerGpuHour: "3.6"
`),
      dir,
    );
    const { net } = market;
    const events: RunJobEvent[] = [];
    let logs = "";
    const run = runJob({
      publicClient: net.publicClient,
      walletClient: net.wallet(BUYER),
      account: privateKeyToAccount(net.key(BUYER)),
      deployment: net.deployment,
      manifest,
      baseDir: dir,
      resultsDir: dir,
      pollMs: 50,
      onEvent: (e) => {
        events.push(e);
        if (e.type === "log") logs += new TextDecoder().decode(e.chunk);
      },
    });
    // Wait for the node's bid, then let the bidding window pass on the chain's clock.
    const requested = await waitUntil("the request to be posted", () => events.find((e) => e.type === "request"));
    const requestId = (requested as Extract<RunJobEvent, { type: "request" }>).requestId;
    await waitUntil(
      "the node to bid",
      async () =>
        (await net.publicClient.readContract({
          address: net.deployment.marketplace,
          abi: marketplaceAbi,
          functionName: "bidOf",
          args: [requestId, market.node.address],
        })) > 0n,
    );
    await advanceTime(net, 61);
    const result = await run;

    expect(events.some((e) => e.type === "offer")).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(logs).toBe("via-auction\n");
    expect(result.cost.pricePerSecond).toBe(parseEther("1.8") / 3600n);
    expect(result.cost.paid).toBe(result.cost.pricePerSecond * result.cost.seconds);
    expect(result.resultsPath).toBeDefined();
  });
});
