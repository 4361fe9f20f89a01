// Reverse auctions against a real node: it bids on requests that fit, closes the auctions it leads
// once the deadline has passed, runs the lease it won, and lets go of the ones it lost.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CloseReason, marketplaceAbi, perHourToPerSecond, RequestState, toLabel } from "@ocx/sdk";
import Database from "better-sqlite3";
import { parseEther, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  advanceTime,
  BUYER,
  buyer,
  chainTime,
  leaseEvents,
  leaseRecord,
  type Market,
  registerProvider,
  startMarket,
  waitUntil,
} from "./harness.js";

const JOB = `
version: 1
name: auctioned
command: "mkdir -p out; echo won > out/result.txt; echo ran"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
outputs: [out]
maxDuration: 10m
`;

const REQUIREMENTS = {
  gpuModel: toLabel(""),
  region: toLabel(""),
  gpuCount: 0,
  gpuVramMiB: 0,
  cpuMillicores: 1000,
  memoryMiB: 128,
  diskMiB: 64,
};

const NODE_PRICE = perHourToPerSecond(parseEther("3.6")); // the node's fixed bid: 1e15 per second
const MAX_PRICE = NODE_PRICE * 2n;
const DEPOSIT = NODE_PRICE * 600n;

/** The buyer side of a request: post it, read it, close its auction. */
function requester(market: Market, index = BUYER) {
  const b = buyer(market, index);
  const { net } = market;
  const marketplace = { address: net.deployment.marketplace, abi: marketplaceAbi } as const;
  const send = async (hash: `0x${string}`) => {
    const receipt = await net.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };
  return {
    ...b,
    /** Posts a request with a bidding deadline `window` seconds from now; returns its id and deadline. */
    async post(manifestHash: `0x${string}`, window = 60) {
      const deadline = Math.max(await chainTime(net), Math.floor(Date.now() / 1000)) + window + 1;
      const receipt = await send(
        await b.wallet.writeContract({
          ...marketplace,
          functionName: "postRequest",
          args: [REQUIREMENTS, MAX_PRICE, DEPOSIT, deadline, manifestHash],
        }),
      );
      const [posted] = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "RequestPosted" });
      if (!posted) throw new Error("no RequestPosted event");
      return { requestId: posted.args.requestId, deadline };
    },
    bidOf: (requestId: bigint, provider: `0x${string}`) =>
      net.publicClient.readContract({ ...marketplace, functionName: "bidOf", args: [requestId, provider] }),
    request: (requestId: bigint) =>
      net.publicClient.readContract({ ...marketplace, functionName: "getRequest", args: [requestId] }),
    async closeAuction(requestId: bigint) {
      const receipt = await send(
        await b.wallet.writeContract({ ...marketplace, functionName: "closeAuction", args: [requestId] }),
      );
      const [closed] = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "RequestClosed" });
      return closed?.args;
    },
  };
}

/** The node's own record of its bid on a request, from its state database (read-only). */
function reservationState(market: Market, requestId: bigint): string | undefined {
  const db = new Database(path.join(market.config.stateDir, "provider.db"), { readonly: true, fileMustExist: true });
  try {
    return (
      db.prepare("SELECT state FROM reservation WHERE request_id = ?").get(requestId.toString()) as
        | { state: string }
        | undefined
    )?.state;
  } finally {
    db.close();
  }
}

describe("auctions with fixed pricing", () => {
  let market: Market;
  beforeAll(async () => {
    market = await startMarket(
      `offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 2, minDuration: 10 }
bidding: { enabled: true, pricing: { type: fixed, pricePerGpuHour: "3.6" } }`,
    );
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("bids on a fitting request, closes the auction it leads after the deadline, and runs the lease it won", async () => {
    const b = requester(market);
    await b.approve();
    const { json, hash } = await b.manifest(JOB);
    const before = await b.balance();
    const { requestId, deadline } = await b.post(hash);

    const price = await waitUntil(
      "the node's bid",
      async () => (await b.bidOf(requestId, market.node.address)) || false,
    );
    expect(price).toBe(NODE_PRICE);
    expect((await b.request(requestId)).bestBidder).toBe(market.node.address);

    // Nobody closes the auction for the node: once the deadline is behind the chain, it closes it itself.
    await advanceTime(market.net, deadline - (await chainTime(market.net)) + 1);
    const request = await waitUntil("the node to close the auction", async () => {
      const r = await b.request(requestId);
      return r.state === RequestState.Closed ? r : undefined;
    });
    expect(request.bestBidder).toBe(market.node.address);
    const { publicClient, deployment } = market.net;
    const [closed] = await publicClient.getContractEvents({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "RequestClosed",
      args: { requestId },
      fromBlock: 0n,
      strict: true,
    });
    expect(closed?.args.winner).toBe(market.node.address);
    const leaseId = closed?.args.leaseId as bigint;

    // The lease is the node's: acknowledged, then the buyer's job runs on the bundle it asked for.
    const acked = await b.waitFor(leaseId, ["acknowledged"]);
    expect(acked.pricePerSecond).toBe(NODE_PRICE.toString());
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    const done = await b.waitFor(leaseId, ["completed"]);
    expect(done.exitCode).toBe(0);
    const results = await b.client.results(leaseId);
    expect(results.sha256).toBe(done.resultHash);
    expect(reservationState(market, requestId)).toBe("won");

    // Paid at the winning bid for the seconds from acknowledgement to the workload's exit (in chain
    // time: this test moved the chain's clock ahead of the machine's); the rest came back.
    const events = await leaseEvents(market, leaseId);
    expect(events.created?.args.requestId).toBe(requestId);
    expect(events.completed?.args.resultHash).toBe(results.sha256);
    expect(events.closed?.args.reason).toBe(CloseReason.Completed);
    const startedAt = Number(events.acknowledged?.args.startedAt);
    const endedAt = leaseRecord(market, leaseId).endedAt as number;
    expect(endedAt).toBeLessThanOrEqual(events.closedAt as number);
    // The contract clamps the end to [settledAt, now].
    expect(events.paid).toBe(NODE_PRICE * BigInt(Math.max(endedAt, startedAt) - startedAt));
    expect(events.closed?.args.refund).toBe(DEPOSIT - events.paid);
    expect(await b.balance()).toBe(before - events.paid);
  });

  it("loses to a lower bid from another provider and releases its reservation", async () => {
    const b = requester(market);
    const { hash } = await b.manifest(JOB);
    const { requestId, deadline } = await b.post(hash);
    await waitUntil("the node's bid", async () => (await b.bidOf(requestId, market.node.address)) || false);

    const rival = await registerProvider(market.net, 3);
    const rivalPrice = NODE_PRICE / 2n;
    await rival.send(
      await rival.wallet.writeContract({
        address: market.net.deployment.marketplace,
        abi: marketplaceAbi,
        functionName: "bid",
        args: [requestId, rivalPrice, { ...REQUIREMENTS, region: toLabel("test") }],
      }),
    );
    expect((await b.request(requestId)).bestBidder).toBe(rival.address);

    await advanceTime(market.net, deadline - (await chainTime(market.net)) + 1);
    // The node does not close an auction it does not lead; the buyer does, and the rival wins.
    const closed = await b.closeAuction(requestId);
    expect(closed?.winner).toBe(rival.address);
    expect(closed?.pricePerSecond).toBe(rivalPrice);

    await waitUntil("the node to release its reservation", () => reservationState(market, requestId) === "lost");
    // The rival's lease is not the node's: it never shows up there.
    const status = await fetch(`${market.node.url}/leases/${closed?.leaseId}`);
    expect(status.status).toBe(401);
    const leases = (await (await fetch(`${market.node.url}/status`)).json()) as { leases: { live: number } };
    expect(leases.leases.live).toBe(0);
  });
});

describe("auctions with a pricing script", () => {
  let market: Market;
  let scripts: string;
  beforeAll(async () => {
    // The script sees the request as JSON on stdin: it bids 1.8 OCX/hour for the buyer named in
    // its allow-list file and skips everyone else.
    scripts = await mkdtemp(path.join(tmpdir(), "ocx-pricing-"));
    await writeFile(
      path.join(scripts, "price.sh"),
      `allowed=$(cat "${scripts}/allowed")
if grep -qi "\\"buyer\\":\\"$allowed\\""; then echo 1.8; else echo skip; fi
`,
    );
    market = await startMarket(
      `offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 2, minDuration: 10 }
bidding: { enabled: true, pricing: { type: script, command: "sh ${scripts}/price.sh" } }`,
    );
  });
  afterAll(async () => {
    await market?.stop();
  });

  it("bids the script's price for the buyer it allows and skips the others", async () => {
    const allowedBuyer = requester(market, BUYER);
    const otherBuyer = requester(market, 4);
    await writeFile(path.join(scripts, "allowed"), allowedBuyer.account.address);
    await allowedBuyer.approve();
    await otherBuyer.approve();
    const { hash } = await allowedBuyer.manifest(JOB);

    // Posted first, so by the time the node has bid on the second it has decided on this one.
    const skipped = await otherBuyer.post(hash);
    const wanted = await allowedBuyer.post(hash);
    const price = await waitUntil(
      "the node's bid",
      async () => (await allowedBuyer.bidOf(wanted.requestId, market.node.address)) || false,
    );
    expect(price).toBe(perHourToPerSecond(parseEther("1.8")));
    expect(await otherBuyer.bidOf(skipped.requestId, market.node.address)).toBe(0n);
    expect(reservationState(market, skipped.requestId)).toBe("skipped");
    // The node records its bid once the transaction's receipt is back, a moment after the chain has it.
    await waitUntil("the node to record its bid", () => reservationState(market, wanted.requestId) === "bid");
  });
});
