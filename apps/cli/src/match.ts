// Does an offer meet a job's needs? `ocx market why` and `ocx job submit` ask this: each need the
// offer fails is named with what the offer has and what the job requires.
import { fromLabel, type Manifest } from "@ocx/sdk";
import { formatMiB, formatOcx, pricePerGpuHour } from "./format.js";

/** An offer as read from the chain (the fields matching needs). */
export interface OfferView {
  offerId: bigint;
  provider: `0x${string}`;
  /** 0 none, 1 active, 2 paused, 3 withdrawn. */
  state: number;
  maxLeases: number;
  activeLeases: number;
  minDuration: number;
  maxDuration: number;
  pricePerSecond: bigint;
  resources: {
    gpuModel: `0x${string}`;
    region: `0x${string}`;
    gpuCount: number;
    gpuVramMiB: number;
    cpuMillicores: number;
    memoryMiB: number;
    diskMiB: number;
  };
}

/** The job's needs that an offer can fail. */
export type Need =
  | "state"
  | "capacity"
  | "gpuCount"
  | "gpuModel"
  | "vram"
  | "cpu"
  | "memory"
  | "disk"
  | "region"
  | "duration"
  | "price";

/** One need an offer fails. */
export interface Mismatch {
  need: Need;
  message: string;
}

/** The verdict on one offer. */
export interface OfferVerdict {
  offer: OfferView;
  matches: boolean;
  mismatches: Mismatch[];
}

export const OFFER_STATES = ["none", "active", "paused", "withdrawn"] as const;

/**
 * Names each of the job's needs that the offer fails; empty when it matches.
 * `maxPricePerGpuHour` (wei) replaces the manifest's own limit when given.
 * @example
 * offerMismatches(manifest, offer)
 * // [{ need: "vram", message: "VRAM 40960 MiB < 81920 MiB required" }]
 */
export function offerMismatches(
  manifest: Pick<Manifest, "resources" | "placement" | "maxDurationSeconds" | "maxPricePerGpuHour">,
  offer: OfferView,
  options: { maxPricePerGpuHour?: bigint } = {},
): Mismatch[] {
  const why: Mismatch[] = [];
  const add = (need: Need, message: string) => why.push({ need, message });
  const has = offer.resources;
  const need = manifest.resources;
  const model = fromLabel(has.gpuModel);
  const region = fromLabel(has.region);
  if (offer.state !== 1) add("state", `offer is ${OFFER_STATES[offer.state] ?? `in state ${offer.state}`}`);
  if (offer.activeLeases >= offer.maxLeases) {
    add("capacity", `no free capacity: ${offer.activeLeases} of ${offer.maxLeases} leases running`);
  }
  if (has.gpuCount < need.gpu.count) add("gpuCount", `GPUs ${has.gpuCount} < ${need.gpu.count} required`);
  if (need.gpu.count > 0 && need.gpu.models.length > 0 && !need.gpu.models.includes(model)) {
    add("gpuModel", `GPU model ${model || "none (CPU only)"} is not one of ${need.gpu.models.join(", ")}`);
  }
  if (need.gpu.count > 0 && has.gpuVramMiB < need.gpu.minVramMiB) {
    add("vram", `VRAM ${has.gpuVramMiB} MiB < ${need.gpu.minVramMiB} MiB required`);
  }
  if (has.cpuMillicores < need.cpuMillicores) {
    add("cpu", `CPU ${has.cpuMillicores / 1000} cores < ${need.cpuMillicores / 1000} cores required`);
  }
  if (has.memoryMiB < need.memoryMiB) {
    add("memory", `memory ${formatMiB(has.memoryMiB)} < ${formatMiB(need.memoryMiB)} required`);
  }
  if (has.diskMiB < need.diskMiB) add("disk", `disk ${formatMiB(has.diskMiB)} < ${formatMiB(need.diskMiB)} required`);
  if (manifest.placement.regions.length > 0 && !manifest.placement.regions.includes(region)) {
    add("region", `region ${region || "unset"} is not one of ${manifest.placement.regions.join(", ")}`);
  }
  if (manifest.maxDurationSeconds < offer.minDuration) {
    add(
      "duration",
      `minimum lease ${offer.minDuration} s > the job's maximum duration ${manifest.maxDurationSeconds} s`,
    );
  }
  const limit = options.maxPricePerGpuHour ?? manifest.maxPricePerGpuHour;
  const price = pricePerGpuHour(offer.pricePerSecond, has.gpuCount);
  if (limit !== undefined && price > limit) {
    add("price", `price ${formatOcx(price)}/GPU-h > ${formatOcx(limit)}/GPU-h limit`);
  }
  return why;
}

/**
 * Judges every offer against the job, matching offers first, cheapest first (by price per
 * GPU-hour, then offer id).
 */
export function judgeOffers(
  manifest: Parameters<typeof offerMismatches>[0],
  offers: OfferView[],
  options: { maxPricePerGpuHour?: bigint } = {},
): OfferVerdict[] {
  return offers
    .map((offer) => {
      const mismatches = offerMismatches(manifest, offer, options);
      return { offer, matches: mismatches.length === 0, mismatches };
    })
    .sort(
      (a, b) =>
        Number(b.matches) - Number(a.matches) ||
        compareBigint(
          pricePerGpuHour(a.offer.pricePerSecond, a.offer.resources.gpuCount),
          pricePerGpuHour(b.offer.pricePerSecond, b.offer.resources.gpuCount),
        ) ||
        compareBigint(a.offer.offerId, b.offer.offerId),
    );
}

/** The cheapest offer that meets every need, or undefined. */
export function cheapestMatch(
  manifest: Parameters<typeof offerMismatches>[0],
  offers: OfferView[],
  options: { maxPricePerGpuHour?: bigint } = {},
): OfferView | undefined {
  const best = judgeOffers(manifest, offers, options)[0];
  return best?.matches ? best.offer : undefined;
}

/** One line per offer: `#3 nvidia-a100-40gb: VRAM 40960 MiB < 81920 MiB required`. */
export function describeVerdict(verdict: OfferVerdict): string {
  const model = fromLabel(verdict.offer.resources.gpuModel) || "cpu";
  const head = `#${verdict.offer.offerId} ${model}`;
  if (verdict.matches) {
    const price = pricePerGpuHour(verdict.offer.pricePerSecond, verdict.offer.resources.gpuCount);
    return `${head}: matches (${formatOcx(price)}/GPU-h)`;
  }
  return `${head}: ${verdict.mismatches.map((m) => m.message).join("; ")}`;
}

const compareBigint = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
