// The bid engine: one small state machine per open request that fits this machine —
// reserve GPUs → price → bid → wait for win, loss or the deadline → release (or hand to the lease).
import type { Logger, Registry } from "@ocx/node-kit";
import {
  closeAuctionSync,
  fromLabel,
  getRequest,
  placeBidSync,
  RequestState,
  type ResourceBundle,
  toLabel,
} from "@ocx/sdk";
import type { ChainAccess } from "../chain/client.js";
import type { MarketplaceEvent } from "../chain/events.js";
import type { Hardware } from "../hardware.js";
import type { GpuAllocator } from "../leases/allocation.js";
import { recordMove, transitionCounter } from "../leases/machine.js";
import type { ProviderStore } from "../leases/store.js";
import type { Bundle } from "./offers.js";
import { type PricingStrategy, pricingRequestOf } from "./pricing.js";
import { RESERVATION_MACHINE, type ReservationState } from "./reservation.js";

type Requirements = ResourceBundle;

/** Seconds after a request's bidding deadline before the node gives up waiting for its close. */
const EXPIRY_GRACE_SECONDS = 600;

export type BidEngine = ReturnType<typeof createBidEngine>;

export function createBidEngine(options: {
  chain: ChainAccess;
  region: string;
  hardware: Hardware;
  allocator: GpuAllocator;
  store: ProviderStore;
  pricing: PricingStrategy;
  log: Logger;
  metrics?: Registry;
  onCapacityChange?: () => void;
}) {
  const { chain, hardware, allocator, store, pricing } = options;
  const { deployment, reader, address: provider } = chain;
  const counter = options.metrics ? transitionCounter(options.metrics) : undefined;
  const owner = (requestId: bigint) => `request:${requestId}`;
  const log = options.log.child({ component: "bids" });
  const db = store.db;

  /** Moves a reservation through its machine: checked against the table, persisted with its reason, logged, counted. */
  const setState = (
    requestId: bigint,
    state: Exclude<ReservationState, "none">,
    reason: string,
    fields: { gpus?: string[]; price?: bigint; deadline?: number } = {},
  ) => {
    const from = stateOf(requestId) ?? "none";
    RESERVATION_MACHINE.check(`request ${requestId}`, from, state);
    store.recordTransition("reservation", requestId.toString(), from, state, reason);
    recordMove(RESERVATION_MACHINE, counter, log, {
      from,
      to: state,
      reason,
      fields: { requestId, ...(fields.price !== undefined ? { pricePerSecond: fields.price } : {}) },
    });
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

  const release = (requestId: bigint, state: "lost" | "skipped" | "expired", why: string) => {
    allocator.release(owner(requestId));
    setState(requestId, state, why);
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
    const request = await getRequest(reader, { deployment, requestId });
    if (request.state !== RequestState.Open) return;
    const why = misfit(request.requirements);
    if (why) {
      setState(requestId, "skipped", `not bidding: the request does not fit (${why})`, {
        deadline: request.biddingDeadline,
      });
      return;
    }
    const gpus = allocator.allocate(owner(requestId), request.requirements.gpuCount);
    if (!gpus) {
      setState(requestId, "skipped", `not bidding: no ${request.requirements.gpuCount} free GPU(s) to reserve`, {
        deadline: request.biddingDeadline,
      });
      return;
    }
    setState(requestId, "reserved", "the request fits: GPUs reserved while pricing", {
      gpus,
      deadline: request.biddingDeadline,
    });
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
      await placeBidSync(chain.writer(`bid:${requestId}`), {
        deployment,
        requestId,
        pricePerSecond: price,
        resources: bundleFor(request.requirements),
      });
      setState(requestId, "bid", `bid ${price}/s on the request with GPU(s) ${gpus.join(",") || "none"}`, { price });
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
        setState(requestId, "won", `won the auction; lease ${event.args.leaseId} takes the reserved GPUs`);
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
    const head = await reader.getBlock({ blockTag: "latest" });
    const now = Math.max(Math.floor(Date.now() / 1000), Number(head.timestamp));
    const open = db
      .prepare<[number], { request_id: string; deadline: number }>(
        "SELECT request_id, deadline FROM reservation WHERE state = 'bid' AND deadline <= ?",
      )
      .all(now);
    for (const row of open) {
      const id = BigInt(row.request_id);
      const request = await getRequest(reader, { deployment, requestId: id });
      if (request.state !== RequestState.Open) continue; // its close event will arrive
      if (request.bestBidder.toLowerCase() === provider.toLowerCase()) {
        await closeAuctionSync(chain.writer(`close:${id}`), { deployment, requestId: id })
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
