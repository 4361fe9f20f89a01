// How much escrow a lease takes: the one rule that `runJob`, `deployService`, `ocx job submit` and `ocx mcp` share.
import type { Manifest } from "../manifest/types.js";
import type { FindOfferReturnType } from "./findOffer.js";
import type { OfferTerms } from "./match.js";

/** What `leaseDeposit` reads of an offer. */
export type DepositOffer = Pick<OfferTerms, "pricePerSecond" | "minDuration" | "maxDuration">;

/** What the buyer may ask for instead of the manifest's duration: an exact deposit, or hours to fund. */
export interface DepositOptions {
  /** Deposit exactly this (wei); the contract refuses it if it funds less than the minimum or more than the maximum. */
  deposit?: bigint;
  /** Fund this many hours (rounded down to whole seconds), within the offer's bounds. */
  hours?: number;
}

/**
 * The seconds a lease is funded for: the manifest's maximum duration (or `hours`), raised to the offer's minimum
 * and lowered to its maximum, so the contract accepts the deposit.
 * @example
 * leaseSeconds({ minDuration: 60, maxDuration: 3600 }, { maxDurationSeconds: 30 }); // 60
 */
export function leaseSeconds(
  offer: Pick<OfferTerms, "minDuration" | "maxDuration">,
  manifest: Pick<Manifest, "maxDurationSeconds">,
  options: Pick<DepositOptions, "hours"> = {},
): number {
  const wanted = options.hours !== undefined ? Math.floor(options.hours * 3600) : manifest.maxDurationSeconds;
  return Math.min(Math.max(wanted, offer.minDuration), offer.maxDuration);
}

/**
 * The escrow to deposit for a lease of `offer` (wei): `options.deposit` as given, else the price per second times
 * `leaseSeconds` (exact: no rounding).
 * @example
 * leaseDeposit({ pricePerSecond: 10n, minDuration: 60, maxDuration: 3600 }, { maxDurationSeconds: 600 }); // 6000n
 */
export function leaseDeposit(
  offer: DepositOffer,
  manifest: Pick<Manifest, "maxDurationSeconds">,
  options: DepositOptions = {},
): bigint {
  if (options.deposit !== undefined) return options.deposit;
  return offer.pricePerSecond * BigInt(leaseSeconds(offer, manifest, options));
}

/**
 * The most an auction may pay per second for `gpus` GPUs at `maxPricePerGpuHour`: rounded down, so the buyer never
 * pays more per second than its limit allows (a CPU job counts as one GPU).
 * @example
 * auctionPricePerSecond(3_600n, 2); // 2n
 */
export function auctionPricePerSecond(maxPricePerGpuHour: bigint, gpus: number): bigint {
  return (maxPricePerGpuHour * BigInt(Math.max(gpus, 1))) / 3600n;
}

/**
 * The escrow a lease chosen by `findOffer` takes at most, fixed before any transaction: `options.deposit` as given;
 * for an offer, `leaseDeposit` at its posted price (a provider's quote is never above it, so the deposit `takeLease`
 * sends is at most this); for an auction, the price limit per second (`auctionPricePerSecond`) times the seconds
 * asked. Exact: no rounding beyond the per-second price's.
 * @example
 * const found = await findOffer(publicClient, { deployment, manifest });
 * if (maxLeaseDeposit(found, manifest) > cap) throw new Error("over the cap");
 */
export function maxLeaseDeposit(
  found: FindOfferReturnType,
  manifest: Pick<Manifest, "maxDurationSeconds" | "resources">,
  options: DepositOptions = {},
): bigint {
  if (options.deposit !== undefined) return options.deposit;
  if (found.kind === "offer") return leaseDeposit(found.offer, manifest, options);
  const seconds = options.hours !== undefined ? Math.floor(options.hours * 3600) : manifest.maxDurationSeconds;
  return auctionPricePerSecond(found.maxPricePerGpuHour, manifest.resources.gpu.count) * BigInt(seconds);
}
