// The soundness of an audit as numbers: how likely a prover whose committed Y is wrong in a
// fraction f of its rows passes k opened rows and t Freivalds vectors mod p. docs/proofs.md derives
// it. All wrong rows are checked against the same vectors r, so the bound allows for wrong rows
// that share one error vector: once one wrong row is opened, r must miss that error, which happens
// with probability p^−t, however many more wrong rows are opened.
import { MODULUS } from "./field.js";

/** Parameters of the soundness formulas. */
export type SoundnessParameters = {
  /** Fraction of Y's committed rows that are wrong, in [0, 1]. */
  f: number;
  /** Rows opened. */
  k: number;
  /** Freivalds vectors. */
  t: number;
  /** The modulus (default 127). */
  p?: number;
};

/**
 * Upper bound on the pass probability for any choice of wrong rows: P0 + (1 − P0)·p^−t with
 * P0 = (1 − f)^k the chance that no wrong row is opened (drawn with replacement; the audit's
 * distinct rows make P0 smaller still).
 *
 * @example
 * passProbabilityBound({ f: 0.1, k: 64, t: 2 }); // ≈ 0.0012
 */
export function passProbabilityBound({ f, k, t, p = MODULUS }: SoundnessParameters): number {
  const none = (1 - f) ** k;
  return none + (1 - none) * p ** -t;
}

/**
 * The same bound for exactly `wrongRows` wrong rows out of n and k distinct opened rows:
 * P0 = C(n − wrongRows, k) / C(n, k) (hypergeometric). Attained when all wrong rows carry one error.
 *
 * @example
 * passProbabilityBoundDistinctRows({ n: 32, wrongRows: 16, k: 4, t: 1 }); // ≈ 0.058
 */
export function passProbabilityBoundDistinctRows({
  n,
  wrongRows,
  k,
  t,
  p = MODULUS,
}: {
  n: number;
  wrongRows: number;
  k: number;
  t: number;
  p?: number;
}): number {
  const none = k > n - wrongRows ? 0 : Math.exp(logChoose(n - wrongRows, k) - logChoose(n, k));
  return none + (1 - none) * p ** -t;
}

/**
 * Fewest rows to open so that a prover wrong in a fraction f of rows passes with probability ≤ target.
 * Throws when the target is below the floor p^−t that no number of rows can beat (raise t).
 *
 * @example
 * rowsForSoundness({ f: 0.1, t: 2, target: 1e-3 }); // 67
 */
export function rowsForSoundness({
  f,
  t,
  target,
  p = MODULUS,
}: {
  f: number;
  t: number;
  target: number;
  p?: number;
}): number {
  const floor = p ** -t;
  if (target <= floor) {
    throw new RangeError(
      `target ${target} is at or below the floor p^-t = ${floor} for t=${t}; use more Freivalds vectors`,
    );
  }
  return Math.ceil(Math.log((target - floor) / (1 - floor)) / Math.log(1 - f));
}

function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log((n - k + i) / i);
  return sum;
}
