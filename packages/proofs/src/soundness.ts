// The soundness of an audit as numbers: how likely a prover whose committed Y is wrong in a
// fraction f of its rows passes k opened rows and t Freivalds vectors mod p (docs/proofs.md derives it).
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
 * Upper bound on the pass probability: (1 − f·(1 − p^−t))^k. Exact for rows drawn with
 * replacement; an upper bound for the distinct rows the audit draws (Hoeffding 1963).
 *
 * @example
 * passProbabilityBound({ f: 0.1, k: 64, t: 2 }); // ≈ 0.0012
 */
export function passProbabilityBound({ f, k, t, p = MODULUS }: SoundnessParameters): number {
  return (1 - f * (1 - p ** -t)) ** k;
}

/**
 * Exact pass probability when `wrongRows` of the n committed rows are wrong and k distinct rows are
 * opened: Σ_w Hypergeometric(w; n, wrongRows, k) · p^(−t·w).
 *
 * @example
 * exactPassProbability({ n: 32, wrongRows: 16, k: 4, t: 1 }); // ≈ 0.051
 */
export function exactPassProbability({
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
  const q = p ** -t;
  let total = 0;
  for (let w = 0; w <= Math.min(k, wrongRows); w++) {
    if (k - w > n - wrongRows) continue;
    total += Math.exp(logChoose(wrongRows, w) + logChoose(n - wrongRows, k - w) - logChoose(n, k)) * q ** w;
  }
  return total;
}

/**
 * Fewest rows to open so that a prover wrong in a fraction f of rows passes with probability ≤ target.
 *
 * @example
 * rowsForSoundness({ f: 0.1, t: 2, target: 1e-3 }); // 66
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
  const perRow = 1 - f * (1 - p ** -t);
  return Math.ceil(Math.log(target) / Math.log(perRow));
}

function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log((n - k + i) / i);
  return sum;
}
