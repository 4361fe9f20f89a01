// Does an offer meet a job's needs? The one place that answers it, for `runJob` and `ocx market why`.
import type { Manifest } from "../manifest/types.js";
import { fromLabel, perSecondToPerHour } from "../units.js";

/** An offer as read from the chain (the fields matching needs). */
export interface OfferTerms {
  offerId: bigint;
  provider: `0x${string}`;
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

/** The price per GPU-hour of an offer (per hour for a CPU offer), exact. */
export function offerPricePerGpuHour(offer: Pick<OfferTerms, "pricePerSecond" | "resources">): bigint {
  return perSecondToPerHour(offer.pricePerSecond) / BigInt(Math.max(offer.resources.gpuCount, 1));
}

/**
 * Says which of the job's needs the offer fails, one sentence each; empty when it matches.
 * @example
 * offerMismatches(manifest, offer) // ["VRAM 40960 MiB per GPU < 81920 MiB required"]
 */
export function offerMismatches(
  manifest: Manifest,
  offer: OfferTerms,
  options: { maxPricePerGpuHour?: bigint } = {},
): string[] {
  const why: string[] = [];
  const r = offer.resources;
  const need = manifest.resources;
  const model = fromLabel(r.gpuModel);
  const region = fromLabel(r.region);
  if (offer.state !== 1) why.push(offer.state === 2 ? "paused by its provider" : "withdrawn");
  if (offer.activeLeases >= offer.maxLeases)
    why.push(`full: ${offer.activeLeases} of ${offer.maxLeases} leases running`);
  if (r.gpuCount < need.gpu.count) why.push(`${r.gpuCount} GPU(s) < ${need.gpu.count} required`);
  if (need.gpu.count > 0 && need.gpu.models.length > 0 && !need.gpu.models.includes(model)) {
    why.push(`GPU model ${model || "none"} is not one of ${need.gpu.models.join(", ")}`);
  }
  if (need.gpu.count > 0 && r.gpuVramMiB < need.gpu.minVramMiB) {
    why.push(`VRAM ${r.gpuVramMiB} MiB per GPU < ${need.gpu.minVramMiB} MiB required`);
  }
  if (r.cpuMillicores < need.cpuMillicores)
    why.push(`CPU ${r.cpuMillicores / 1000} cores < ${need.cpuMillicores / 1000} required`);
  if (r.memoryMiB < need.memoryMiB) why.push(`memory ${r.memoryMiB} MiB < ${need.memoryMiB} MiB required`);
  if (r.diskMiB < need.diskMiB) why.push(`disk ${r.diskMiB} MiB < ${need.diskMiB} MiB required`);
  if (manifest.placement.regions.length > 0 && !manifest.placement.regions.includes(region)) {
    why.push(`region ${region || "unset"} is not one of ${manifest.placement.regions.join(", ")}`);
  }
  if (manifest.maxDurationSeconds < offer.minDuration) {
    why.push(`minimum lease ${offer.minDuration} s > the job's maximum duration ${manifest.maxDurationSeconds} s`);
  }
  const limit = options.maxPricePerGpuHour ?? manifest.maxPricePerGpuHour;
  const price = offerPricePerGpuHour(offer);
  if (limit !== undefined && price > limit) why.push(`price ${price} wei per GPU-hour > the limit ${limit}`);
  return why;
}
