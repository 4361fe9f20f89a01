// The bid engine: one small state machine per open request that fits this machine —
// reserve GPUs → price → bid → wait for win, loss or the deadline → release (or hand to the lease).
import type { Logger, TxSender } from "@ocx/node-kit";
import { type Deployment, fromLabel, marketplaceAbi, type ResourceBundle, toLabel } from "@ocx/sdk";
import type { Address, PublicClient } from "viem";
import type { MarketplaceEvent } from "../chain/events.js";
import type { Hardware } from "../hardware.js";
import type { GpuAllocator } from "../leases/allocation.js";
import type { ProviderStore } from "../leases/store.js";
import type { Bundle } from "./offers.js";
import { type PricingStrategy, pricingRequestOf } from "./pricing.js";

type ReservationState = "reserved" | "bid" | "won" | "lost" | "skipped" | "expired";

type Requirements = ResourceBundle;

/** Seconds after a request's bidding deadline before the node gives up waiting for its close. */
const EXPIRY_GRACE_SECONDS = 600;

export type BidEngine = ReturnType<typeof createBidEngine>;

export function createBidEngine(options: {
  publicClient: PublicClient;
  tx: TxSender;
  deployment: Deployment;
  provider: Address;
  region: string;
  hardware: Hardware;
  allocator: GpuAllocator;
  store: ProviderStore;
  pricing: PricingStrategy;
  log: Logger;
  onCapacityChange?: () => void;
}) {
  const { publicClient, tx, deployment, provider, hardware, allocator, store, pricing } = options;
  const market = { address: deployment.marketplace, abi: marketplaceAbi } as const;
  const owner = (requestId: bigint) => `request:${requestId}`;
  const log = options.log.child({ component: "bids" });
  const db = store.db;

  const setState = (
    requestId: bigint,
    state: ReservationState,
    fields: { gpus?: string[]; price?: bigint; deadline?: number } = {},
  ) => {
    // A request skipped before anything was reserved has no GPUs: record [] rather than break the
    // NOT NULL column (which failed the event handler and stalled every later chain event).
    db.prepare(
      `INSERT INTO reservation (request_id, gpus, price_per_second, state, deadline, updated_at) VALUES (@id, COALESCE(@gpus, '[]'), @price, @state, @deadline, @now)
       ON CONFLICT(request_id) DO UPDATE SET state = @state, gpus = COALESCE(@gpus, gpus), price_per_second = COALESCE(@price, price_per_second), updated_at = @now`,
    ).run({
      id: requestId.toString(),
      gpus: fields.gpus ? JSON.stringify(fields.gpus) : null,
      price: fields.price?.toString() ?? null,
      state,
      deadline: fields.deadline ?? 0,
      now: Date.now(),
    });
  };
  const stateOf = (requestId: bigint) =>
    db
      .prepare<[string], { state: ReservationState }>("SELECT state FROM reservation WHERE request_id = ?")
      .get(requestId.toString())?.state;

  const release = (requestId: bigint, state: ReservationState, why: string) => {
    allocator.release(owner(requestId));
    setState(requestId, state);
    log.info(why, { requestId, state });
    options.onCapacityChange?.();
  };

  /** Why this machine cannot serve the requirements, or null when it can. */
  const misfit = (r: Requirements): string | null => {
    const model = fromLabel(r.gpuModel);
    const region = fromLabel(r.region);
    if (region && region !== options.region) return `wants region ${region}; this node is in ${options.region}`;
    if (r.cpuMillicores > hardware.cpu.cores * 1000)
      return `wants ${r.cpuMillicores / 1000} cores; this machine has ${hardware.cpu.cores}`;
    if (r.memoryMiB > hardware.cpu.memoryMiB)
      return `wants ${r.memoryMiB} MiB of memory; this machine has ${hardware.cpu.memoryMiB}`;
    if (r.diskMiB > hardware.cpu.diskFreeMiB)
      return `wants ${r.diskMiB} MiB of disk; ${hardware.cpu.diskFreeMiB} are free`;
    if (r.gpuCount === 0) return null;
    const gpus = hardware.gpus.filter((g) => (!model || g.modelId === model) && g.vramMiB >= r.gpuVramMiB);
    if (gpus.length < r.gpuCount)
      return `wants ${r.gpuCount} × ${model || "any GPU"} with ${r.gpuVramMiB} MiB; this machine has ${gpus.length}`;
    return null;
  };

  /** What the node offers to run the request on: the requirements, with this machine's real GPU model and VRAM. */
  const bundleFor = (r: Requirements): Bundle => {
    const gpu = hardware.gpus.find(
      (g) => (!fromLabel(r.gpuModel) || g.modelId === fromLabel(r.gpuModel)) && g.vramMiB >= r.gpuVramMiB,
    );
    return {
      ...r,
      gpuModel: r.gpuCount > 0 && gpu ? toLabel(gpu.modelId) : r.gpuModel,
      gpuVramMiB: r.gpuCount > 0 && gpu ? gpu.vramMiB : r.gpuVramMiB,
      region: r.region,
    };
  };

  const consider = async (requestId: bigint) => {
    if (stateOf(requestId)) return; // already handled (events replay after a restart)
    const request = await publicClient.readContract({ ...market, functionName: "getRequest", args: [requestId] });
    if (request.state !== 1) return;
    const why = misfit(request.requirements);
    if (why) {
      setState(requestId, "skipped", { deadline: request.biddingDeadline });
      log.info("not bidding: request does not fit", { requestId, why });
      return;
    }
    const gpus = allocator.allocate(owner(requestId), request.requirements.gpuCount);
    if (!gpus) {
      setState(requestId, "skipped", { deadline: request.biddingDeadline });
      log.info("not bidding: no free GPUs to reserve", { requestId, wants: request.requirements.gpuCount });
      return;
    }
    setState(requestId, "reserved", { gpus, deadline: request.biddingDeadline });
    options.onCapacityChange?.();
    let price: bigint | null;
    try {
      price = await pricing.price(pricingRequestOf(requestId, request, allocator.utilization()));
    } catch (error) {
      return release(requestId, "skipped", `pricing failed (${(error as Error).message}); not bidding`);
    }
    if (price === null) return release(requestId, "skipped", "pricing strategy chose not to bid");
    if (price > request.maxPricePerSecond) {
      return release(
        requestId,
        "skipped",
        `our price ${price}/s is above the buyer's limit ${request.maxPricePerSecond}/s`,
      );
    }
    try {
      await tx.write(`bid:${requestId}`, {
        ...market,
        functionName: "bid",
        args: [requestId, price, bundleFor(request.requirements)],
      });
      setState(requestId, "bid", { price });
      log.info("bid on request", { requestId, pricePerSecond: price, gpus });
    } catch (error) {
      release(requestId, "skipped", `bidding failed: ${(error as Error).message}`);
    }
  };

  const handleEvent = async (event: MarketplaceEvent) => {
    if (event.eventName === "RequestPosted") return consider(event.args.requestId);
    if (event.eventName === "RequestClosed") {
      const { requestId, winner } = event.args;
      const state = stateOf(requestId);
      if (state !== "bid" && state !== "reserved") return;
      if (winner.toLowerCase() === provider.toLowerCase()) {
        setState(requestId, "won");
        log.info("won the auction; the lease takes the reserved GPUs", { requestId, leaseId: event.args.leaseId });
      } else release(requestId, "lost", "lost the auction; released the reserved GPUs");
      return;
    }
    if (
      event.eventName === "RequestCancelled" &&
      (stateOf(requestId(event)) === "bid" || stateOf(requestId(event)) === "reserved")
    ) {
      release(requestId(event), "lost", "the request was cancelled; released the reserved GPUs");
    }
  };
  const requestId = (event: MarketplaceEvent) => (event.args as { requestId: bigint }).requestId;

  /** After a deadline: close the auction if we lead it (the lease then comes to us), or give up. */
  const tick = async () => {
    // Deadlines are chain time. A chain's clock can run ahead of this machine's (a devnet whose
    // time was moved, a sequencer's skew), and closeAuction only checks block time: take the later.
    const head = await publicClient.getBlock({ blockTag: "latest" });
    const now = Math.max(Math.floor(Date.now() / 1000), Number(head.timestamp));
    const open = db
      .prepare<[number], { request_id: string; deadline: number }>(
        "SELECT request_id, deadline FROM reservation WHERE state = 'bid' AND deadline <= ?",
      )
      .all(now);
    for (const row of open) {
      const id = BigInt(row.request_id);
      const request = await publicClient.readContract({ ...market, functionName: "getRequest", args: [id] });
      if (request.state !== 1) continue; // its close event will arrive
      if (request.bestBidder.toLowerCase() === provider.toLowerCase()) {
        await tx
          .write(`close:${id}`, { ...market, functionName: "closeAuction", args: [id] })
          .then(() => log.info("closed the auction we lead", { requestId: id }))
          .catch((error: Error) => log.warn("closing the auction failed", { requestId: id, error: error.message }));
      } else if (now > row.deadline + EXPIRY_GRACE_SECONDS) {
        release(id, "expired", "nobody closed the auction in time; released the reserved GPUs");
      }
    }
  };

  /** Re-holds the GPUs of reservations that were open when the node stopped. */
  const recover = () => {
    const rows = db
      .prepare<[], { request_id: string; gpus: string }>(
        "SELECT request_id, gpus FROM reservation WHERE state IN ('reserved', 'bid', 'won')",
      )
      .all();
    for (const row of rows) allocator.hold(owner(BigInt(row.request_id)), JSON.parse(row.gpus) as string[]);
  };

  return { handleEvent, tick, recover };
}
