// OcxCredits' conversions (contracts/src/OcxCredits.sol `_creditsFor`, `_ocxFor`) and the marketplace's fee split
// (contracts/src/libraries/Settlement.sol), in exact integers with the contracts' rounding, for the simulation.

const BPS = 10_000n;

/** The oracle price and the spread a conversion uses: `price` in feed units per OCX, `feedUnit` = 10^decimals. */
export interface CreditsRate {
  price: bigint;
  feedUnit: bigint;
  spreadBps: bigint;
}

/**
 * Credits minted for `ocxIn` OCX (wei): ⌊ocxIn · price · (1 − spread) / feedUnit⌋, rounded down as OcxCredits.mint.
 * @example
 * creditsForOcx(10n ** 18n, { price: 50_000_000n, feedUnit: 10n ** 8n, spreadBps: 50n }); // 0.4975e18 ($0.50 less 0.5 %)
 */
export function creditsForOcx(ocxIn: bigint, rate: CreditsRate): bigint {
  return (ocxIn * (rate.price * (BPS - rate.spreadBps))) / (rate.feedUnit * BPS);
}

/**
 * OCX (wei) minted for redeeming `creditsIn`: ⌊creditsIn · feedUnit / (price · (1 + spread))⌋, rounded down as
 * OcxCredits.redeem.
 * @example
 * ocxForCredits(10n ** 18n, { price: 50_000_000n, feedUnit: 10n ** 8n, spreadBps: 50n }); // ≈ 1.99e18
 */
export function ocxForCredits(creditsIn: bigint, rate: CreditsRate): bigint {
  return (creditsIn * (rate.feedUnit * BPS)) / (rate.price * (BPS + rate.spreadBps));
}

/**
 * The least OCX (wei) whose mint gives at least `credits`: the buyer's burn for a bill of `credits`, rounded up.
 * @example
 * ocxToMint(creditsForOcx(x, rate), rate) <= x; // true
 */
export function ocxToMint(credits: bigint, rate: CreditsRate): bigint {
  const denominator = rate.price * (BPS - rate.spreadBps);
  return (credits * rate.feedUnit * BPS + denominator - 1n) / denominator;
}

/**
 * OCX burned, net, when buyers pay `usageCredits` for compute: they burn what minting those credits takes
 * ({@link ocxToMint}); the protocol fee ⌊usage · feeBps / 10,000⌋ is burned in credits; the provider redeems the rest
 * for newly minted OCX ({@link ocxForCredits}). Returns the OCX burned and minted (wei).
 * @example
 * const { burned, minted } = usageBurn(10n ** 18n, 250n, { price: 10n ** 8n, feedUnit: 10n ** 8n, spreadBps: 50n });
 */
export function usageBurn(usageCredits: bigint, feeBps: bigint, rate: CreditsRate): { burned: bigint; minted: bigint } {
  const fee = (usageCredits * feeBps) / BPS;
  return { burned: ocxToMint(usageCredits, rate), minted: ocxForCredits(usageCredits - fee, rate) };
}
