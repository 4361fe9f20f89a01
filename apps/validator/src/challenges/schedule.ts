// When to challenge each GPU: when it is first seen offered, then after an exponentially distributed
// interval (memoryless, so a provider cannot tell when the next challenge comes), and always before
// its current attestation expires.
import { fromLabel, OfferState } from "@ocx/sdk";

/** One GPU a validator challenges. */
export interface Target {
  provider: `0x${string}`;
  /** The offer's model label as text; "cpu" for CPU offers (gpuCount 0, gpuModel 0). */
  model: string;
  gpuIndex: number;
}

/** The parts of an on-chain offer the schedule reads. */
export interface OfferView {
  provider: `0x${string}`;
  state: number;
  resources: { gpuModel: `0x${string}`; gpuCount: number };
}

const ZERO_LABEL = `0x${"0".repeat(64)}`;

/**
 * The GPUs that an offer asks buyers to trust: indexes 0..max(1, gpuCount)−1 of its model, which is
 * what `isVerified(provider, model, gpuCount)` checks. A paused or withdrawn offer has none.
 * @example
 * targetsOfOffer({ provider, state: 1, resources: { gpuModel: toLabel("cpu"), gpuCount: 0 } });
 * // [{ provider, model: "cpu", gpuIndex: 0 }]
 */
export function targetsOfOffer(offer: OfferView): Target[] {
  if (offer.state !== OfferState.Active) return [];
  const label = offer.resources.gpuModel.toLowerCase();
  const model = offer.resources.gpuCount === 0 || label === ZERO_LABEL ? "cpu" : fromLabel(offer.resources.gpuModel);
  const count = Math.max(1, offer.resources.gpuCount);
  const out: Target[] = [];
  for (let gpuIndex = 0; gpuIndex < count; gpuIndex++) {
    out.push({ provider: offer.provider.toLowerCase() as `0x${string}`, model, gpuIndex });
  }
  return out;
}

/**
 * Seconds until the next challenge of a GPU: an exponential draw with mean `meanSeconds` (from a
 * uniform `u` in [0, 1)), no sooner than `minSeconds`, and at the latest `renewBeforeSeconds` before
 * the attestation's expiry (`secondsToExpiry`, when there is one).
 * @example
 * nextIntervalSeconds({ meanSeconds: 3600, minSeconds: 60, u: Math.random() });
 */
export function nextIntervalSeconds(options: {
  meanSeconds: number;
  minSeconds: number;
  u: number;
  secondsToExpiry?: number;
  renewBeforeSeconds?: number;
}): number {
  const u = Math.min(Math.max(options.u, 0), 1 - 1e-12);
  let seconds = -Math.log(1 - u) * options.meanSeconds;
  if (options.secondsToExpiry !== undefined) {
    // Renew before the attestation lapses, with a jitter of up to a tenth of the margin so that
    // the renewal of many GPUs does not land in one block.
    const renewBefore = (options.renewBeforeSeconds ?? 0) * (1 + 0.1 * u);
    seconds = Math.min(seconds, options.secondsToExpiry - renewBefore);
  }
  return Math.max(seconds, options.minSeconds);
}
