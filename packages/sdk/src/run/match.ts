// Does an offer meet a job's needs? The one place that answers it, for `runJob`, `ocx market why` and
// `ocx job submit`: each need the offer fails is named with what the offer has and what the job requires.
import { formatMoney, type PaymentUnit } from "../credits/money.js";
import { OfferState, OfferStateNames } from "../generated/enums.js";
import type { Manifest } from "../manifest/types.js";
import { formatMiB, fromLabel, pricePerGpuHour } from "../units.js";

/** A bundle of compute as the contracts encode it (`IMarketplace.Resources`): model and region as bytes32 labels. */
export interface ResourceBundle {
  gpuModel: `0x${string}`;
  region: `0x${string}`;
  gpuCount: number;
  gpuVramMiB: number;
  cpuMillicores: number;
  memoryMiB: number;
  diskMiB: number;
}

/** An offer as read from the chain (the fields matching needs). */
export interface OfferTerms {
  offerId: bigint;
  provider: `0x${string}`;
  /** The contract's `OfferState` (compare with the generated `OfferState`, name it with `offerStateName`). */
  state: number;
  maxLeases: number;
  activeLeases: number;
  minDuration: number;
  maxDuration: number;
  pricePerSecond: bigint;
  resources: ResourceBundle;
  /** Its GPUs hold a current hardware attestation (`annotateOffers`); unknown when absent. */
  verified?: boolean;
  /** Its provider's reputation in [0, 1] (`annotateOffers`); unknown when absent. */
  reputation?: number;
}

/**
 * The names of an offer's states in lower case, indexed by the contract's `OfferState` (derived from the generated
 * enum, never copied by hand).
 * @example
 * OFFER_STATES[offer.state]; // "active"
 */
export const OFFER_STATES = OfferStateNames.map((name) => name.toLowerCase()) as readonly string[];

/** What of a manifest matching reads. */
export type JobNeeds = Pick<Manifest, "resources" | "placement" | "maxDurationSeconds" | "maxPricePerGpuHour">;

/** Options of the matcher: `maxPricePerGpuHour` (wei) replaces the manifest's own limit when given. */
export interface MatchOptions {
  maxPricePerGpuHour?: bigint;
  /** Only verified offers (also asked by the manifest's `placement.verified`). */
  requireVerified?: boolean;
  /** Only offers whose provider's reputation is at least this (offers without a known reputation are not judged). */
  minReputation?: number;
  /** The unit prices are shown in: "usd" on a market settling in credits (the default), "ocx" otherwise. */
  priceUnit?: PaymentUnit;
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
  | "price"
  | "verified"
  | "reputation";

/** One need an offer fails, and a sentence saying how. */
export interface Mismatch {
  need: Need;
  message: string;
}

/** The verdict on one offer. */
export interface OfferVerdict {
  offer: OfferTerms;
  matches: boolean;
  mismatches: Mismatch[];
}

/**
 * The price per GPU-hour of an offer (per hour for a CPU offer), exact.
 * @example
 * formatOcx(offerPricePerGpuHour(offer)); // "2.5 OCX"
 */
export function offerPricePerGpuHour(offer: Pick<OfferTerms, "pricePerSecond" | "resources">): bigint {
  return pricePerGpuHour(offer.pricePerSecond, offer.resources.gpuCount);
}

/**
 * Names each of the job's needs that the offer fails; empty when it matches.
 * @example
 * offerMismatches(manifest, offer)
 * // [{ need: "vram", message: "VRAM 40960 MiB < 81920 MiB required" }]
 * offerMismatches(manifest, offer, { maxPricePerGpuHour: parseEther("4") }) // a limit of 4 OCX per GPU-hour
 */
export function offerMismatches(manifest: JobNeeds, offer: OfferTerms, options: MatchOptions = {}): Mismatch[] {
  const why: Mismatch[] = [];
  const add = (need: Need, message: string) => why.push({ need, message });
  const has = offer.resources;
  const need = manifest.resources;
  const model = fromLabel(has.gpuModel);
  const region = fromLabel(has.region);
  if (offer.state !== OfferState.Active)
    add("state", `offer is ${OFFER_STATES[offer.state] ?? `in state ${offer.state}`}`);
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
  const price = offerPricePerGpuHour(offer);
  if (limit !== undefined && price > limit) {
    const money = (wei: bigint) => formatMoney(wei, options.priceUnit);
    add("price", `price ${money(price)}/GPU-h > ${money(limit)}/GPU-h limit`);
  }
  const wantsVerified = options.requireVerified || (manifest.placement as { verified?: boolean }).verified === true;
  if (wantsVerified && offer.verified !== true) {
    add(
      "verified",
      offer.verified === false
        ? "not verified: its GPUs hold no current hardware attestation"
        : "verification unknown (offers were not annotated with annotateOffers)",
    );
  }
  if (
    options.minReputation !== undefined &&
    offer.reputation !== undefined &&
    offer.reputation < options.minReputation
  ) {
    add("reputation", `provider reputation ${offer.reputation.toFixed(2)} < ${options.minReputation} required`);
  }
  return why;
}

/**
 * Judges every offer against the job: matching offers first, cheapest first, then by offer id. Cheapest is the
 * lowest price per second, what the buyer pays: ranking by price per GPU-hour would favour bundles with more GPUs
 * than the job needs.
 * @example
 * const [best] = judgeOffers(manifest, await listOffers(publicClient, deployment));
 * best?.matches ? best.offer.offerId : best?.mismatches.map((m) => m.message)
 */
export function judgeOffers(manifest: JobNeeds, offers: OfferTerms[], options: MatchOptions = {}): OfferVerdict[] {
  return offers
    .map((offer) => {
      const mismatches = offerMismatches(manifest, offer, options);
      return { offer, matches: mismatches.length === 0, mismatches };
    })
    .sort(
      (a, b) =>
        Number(b.matches) - Number(a.matches) ||
        compareBigint(a.offer.pricePerSecond, b.offer.pricePerSecond) ||
        compareBigint(a.offer.offerId, b.offer.offerId),
    );
}

/**
 * The cheapest offer that meets every need, or undefined.
 * @example
 * const offer = cheapestMatch(manifest, await listOffers(publicClient, deployment));
 */
export function cheapestMatch(
  manifest: JobNeeds,
  offers: OfferTerms[],
  options: MatchOptions = {},
): OfferTerms | undefined {
  const best = judgeOffers(manifest, offers, options)[0];
  return best?.matches ? best.offer : undefined;
}

/**
 * One line per offer: `#3 nvidia-a100-40gb: VRAM 40960 MiB < 81920 MiB required`, or
 * `#5 nvidia-h100-80gb: matches ($2.50/GPU-h)`, prices in `unit` (default: dollars of credits).
 * @example
 * for (const verdict of judgeOffers(manifest, offers)) console.log(describeVerdict(verdict));
 */
export function describeVerdict(verdict: OfferVerdict, unit: PaymentUnit = "usd"): string {
  const model = fromLabel(verdict.offer.resources.gpuModel) || "cpu";
  const head = `#${verdict.offer.offerId} ${model}`;
  if (verdict.matches) return `${head}: matches (${formatMoney(offerPricePerGpuHour(verdict.offer), unit)}/GPU-h)`;
  return `${head}: ${describeMismatches(verdict.mismatches)}`;
}

/**
 * The mismatches as one sentence: `VRAM 40960 MiB < 81920 MiB required; region us-east is not one of eu-west`.
 * @example
 * describeMismatches(offerMismatches(manifest, offer));
 */
export function describeMismatches(mismatches: Mismatch[]): string {
  return mismatches.map((m) => m.message).join("; ");
}

const compareBigint = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
