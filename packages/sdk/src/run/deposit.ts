// How much escrow a lease takes: the one rule that `runJob` and `ocx job submit` share.
import type { Manifest } from "../manifest/types.js";
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
