// The node's standing offers: published from the config and the detected hardware, and kept true —
// paused when the GPUs they sell are taken or gone, resumed when they are free again.
import type { Logger } from "@ocx/node-kit";
import {
  getCounts,
  getOffer,
  marketplaceAbi,
  OfferState,
  type OfferStateName,
  offerStateName,
  pauseOfferSync,
  perHourToPerSecond,
  postOfferSync,
  type ResourceBundle,
  resumeOfferSync,
  toLabel,
  updateOfferSync,
  withdrawOfferSync,
} from "@ocx/sdk";
import type { ChainAccess } from "../chain/client.js";
import type { OfferConfig, ProviderConfig } from "../config.js";
import type { Hardware } from "../hardware.js";
import type { GpuAllocator } from "../leases/allocation.js";

export type Bundle = ResourceBundle;

/** An offer the node wants on-chain. */
export interface DesiredOffer {
  resources: Bundle;
  /** Model id for people; "cpu" for CPU offers. */
  model: string;
  pricePerSecond: bigint;
  maxLeases: number;
  minDuration: number;
  maxDuration: number;
}

export interface PublishedOffer extends DesiredOffer {
  offerId: bigint;
  state: OfferStateName;
}

/**
 * Turns the config's offers into on-chain terms for this hardware. An offer the hardware cannot
 * back (too few GPUs of a model) is left out with a warning rather than sold dishonestly.
 */
export function desiredOffers(config: ProviderConfig, hardware: Hardware, log: Logger): DesiredOffer[] {
  const region = toLabel(config.region);
  const byModel = new Map<string, Hardware["gpus"]>();
  for (const gpu of hardware.gpus) byModel.set(gpu.modelId, [...(byModel.get(gpu.modelId) ?? []), gpu]);
  const mostCommon = [...byModel].sort((a, b) => b[1].length - a[1].length)[0]?.[0];

  const out: DesiredOffer[] = [];
  config.offers.forEach((offer: OfferConfig, i) => {
    const base = {
      minDuration: offer.minDuration,
      maxDuration: offer.maxDuration,
      pricePerSecond: perHourToPerSecond(offer.pricePerGpuHour * BigInt(Math.max(offer.gpus, 1))),
    };
    if (base.pricePerSecond === 0n) {
      log.warn("offer skipped: its price rounds to 0 per second", { offer: i });
      return;
    }
    if (offer.gpus === 0) {
      const perLease = Math.round(offer.cpu * 1000);
      out.push({
        ...base,
        model: "cpu",
        maxLeases: offer.maxLeases ?? Math.max(1, Math.floor((hardware.cpu.cores * 1000) / perLease)),
        resources: {
          gpuModel: toLabel(""),
          region,
          gpuCount: 0,
          gpuVramMiB: 0,
          cpuMillicores: perLease,
          memoryMiB: offer.memoryMiB,
          diskMiB: offer.diskMiB,
        },
      });
      return;
    }
    const model = offer.gpuModel ?? mostCommon;
    const gpus = model ? (byModel.get(model) ?? []) : [];
    if (!model || gpus.length < offer.gpus) {
      log.warn("offer skipped: not enough GPUs on this machine", {
        offer: i,
        wants: offer.gpus,
        has: gpus.length,
        why: hardware.noGpuReason,
      });
      return;
    }
    out.push({
      ...base,
      model,
      maxLeases: offer.maxLeases ?? Math.floor(gpus.length / offer.gpus),
      resources: {
        gpuModel: toLabel(model),
        region,
        gpuCount: offer.gpus,
        gpuVramMiB: Math.min(...gpus.map((g) => g.vramMiB)),
        cpuMillicores: Math.round(offer.cpu * 1000),
        memoryMiB: offer.memoryMiB,
        diskMiB: offer.diskMiB,
      },
    });
  });
  return out;
}

const sameBundle = (a: Bundle, b: Bundle) =>
  a.gpuModel.toLowerCase() === b.gpuModel.toLowerCase() &&
  a.region.toLowerCase() === b.region.toLowerCase() &&
  a.gpuCount === b.gpuCount &&
  a.gpuVramMiB === b.gpuVramMiB &&
  a.cpuMillicores === b.cpuMillicores &&
  a.memoryMiB === b.memoryMiB &&
  a.diskMiB === b.diskMiB;

export type OfferBook = ReturnType<typeof createOfferBook>;

/** Publishes and maintains the node's offers. */
export function createOfferBook(options: { chain: ChainAccess; allocator: GpuAllocator; log: Logger }) {
  const { chain, allocator, log } = options;
  const { deployment, reader, address: provider } = chain;
  let published: PublishedOffer[] = [];
  let refreshing: Promise<void> = Promise.resolve();

  /** The provider's offers on-chain (not withdrawn), from its OfferPosted events. */
  const onChainOffers = async () => {
    const posted = await reader.getContractEvents({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "OfferPosted",
      args: { provider },
      fromBlock: BigInt(deployment.startBlock),
      strict: true,
    });
    const offers = [];
    for (const event of posted) {
      const offer = await getOffer(reader, { deployment, offerId: event.args.offerId });
      if (offer.state !== OfferState.Withdrawn) offers.push({ offerId: event.args.offerId, offer });
    }
    return offers;
  };

  /**
   * Makes the chain match `desired`: updates offers whose terms changed, posts missing ones and
   * withdraws the node's offers that the config no longer has. Safe to run on every start.
   */
  const sync = async (desired: DesiredOffer[]) => {
    const existing = await onChainOffers();
    const kept = new Set<bigint>();
    const result: PublishedOffer[] = [];
    for (const want of desired) {
      const match = existing.find((e) => !kept.has(e.offerId) && sameBundle(e.offer.resources, want.resources));
      const terms = {
        pricePerSecond: want.pricePerSecond,
        maxLeases: want.maxLeases,
        minDuration: want.minDuration,
        maxDuration: want.maxDuration,
      };
      const termsKey = Object.values(terms).join(":");
      if (match) {
        kept.add(match.offerId);
        const o = match.offer;
        if (
          o.pricePerSecond !== want.pricePerSecond ||
          o.maxLeases !== want.maxLeases ||
          o.minDuration !== want.minDuration ||
          o.maxDuration !== want.maxDuration
        ) {
          await updateOfferSync(chain.writer(`offer:update:${match.offerId}:${termsKey}`), {
            deployment,
            offerId: match.offerId,
            ...terms,
          });
          log.info("updated offer to match the config", { offerId: match.offerId, model: want.model });
        } else {
          log.info("offer already on-chain as configured", { offerId: match.offerId, model: want.model });
        }
        result.push({ ...want, offerId: match.offerId, state: offerStateName(o.state) as OfferStateName });
      } else {
        const [before] = await getCounts(reader, { deployment });
        const { event } = await postOfferSync(chain.writer(`offer:post:${before + 1n}`), {
          deployment,
          resources: want.resources,
          ...terms,
        });
        const offerId = event.offerId;
        log.info("posted offer", {
          offerId,
          model: want.model,
          pricePerSecond: want.pricePerSecond,
          maxLeases: want.maxLeases,
        });
        result.push({ ...want, offerId, state: "Active" });
      }
    }
    for (const stale of existing.filter((e) => !kept.has(e.offerId))) {
      await withdrawOfferSync(chain.writer(`offer:withdraw:${stale.offerId}`), { deployment, offerId: stale.offerId });
      log.info("withdrew an offer the config no longer has", { offerId: stale.offerId });
    }
    published = result;
    await refresh();
  };

  /** Pauses offers whose GPUs are all taken, resumes those that can run a lease again. */
  const refresh = () => {
    refreshing = refreshing.then(async () => {
      for (const offer of published) {
        const canServe = offer.resources.gpuCount === 0 || allocator.free.length >= offer.resources.gpuCount;
        const want = canServe ? "Active" : "Paused";
        if (offer.state === want) continue;
        const fn = want === "Active" ? "resumeOffer" : "pauseOffer";
        const action = want === "Active" ? resumeOfferSync : pauseOfferSync;
        try {
          await action(chain.writer(`offer:${fn}:${offer.offerId}:${Date.now()}`), {
            deployment,
            offerId: offer.offerId,
          });
          offer.state = want;
          log.info(want === "Active" ? "resumed offer: GPUs free again" : "paused offer: its GPUs are taken", {
            offerId: offer.offerId,
            free: allocator.free.length,
          });
        } catch (error) {
          log.warn(`could not ${fn}`, { offerId: offer.offerId, error: (error as Error).message });
        }
      }
    });
    return refreshing;
  };

  return {
    sync,
    refresh,
    get offers(): readonly PublishedOffer[] {
      return published;
    },
  };
}
