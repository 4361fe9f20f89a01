// Two cheating provers, for tests and for the validator's tests to come. Each is the best strategy
// of its kind, so that catching it shows the bound in docs/proofs.md is what protects the market.
import { toHex } from "./bytes.js";
import { chainTimesVectors, runChain } from "./chain.js";
import { MODULUS } from "./field.js";
import { buildRowTree, merkleProof, merkleRoot } from "./merkle.js";
import { challengeKeys } from "./messages.js";
import { commitResult, type Prover } from "./prover.js";

/**
 * A prover that skips a fraction `f` of the last product: the columns of X_{L-1}·B_L that become
 * the first ⌊f·n⌋ rows of Y are never computed (they are committed as zeros). Skipping any earlier
 * step would spoil every row of Y (the transpose spreads it). After the audit is drawn it answers
 * the products y = Y·r through the chain's shortcut (Freivalds' O(L·n²) path), so y itself is right;
 * only the opened rows can betray it.
 *
 * @example
 * const session = skippingProver(0.5)(challenge); // passes with probability ≤ passProbabilityBound({ f: 0.5, k, t })
 */
export function skippingProver(f: number): Prover {
  if (!(f > 0 && f <= 1)) throw new RangeError(`skippingProver: fraction ${f} must be in (0, 1]`);
  return (challenge) => {
    const n = challenge.n;
    const skipped = Math.max(1, Math.floor(f * n));
    const kept: number[] = [];
    for (let j = skipped; j < n; j++) kept.push(j);
    const keys = challengeKeys(challenge);
    const { result, timings } = runChain(keys, n, { finalColumns: kept });
    const honestRows = commitResult(challenge, result, timings);
    return {
      ...honestRows,
      open(audit) {
        const opening = honestRows.open(audit);
        return { ...opening, products: chainTimesVectors(keys, n, audit.vectors).map(toHex) };
      },
    };
  };
}

/**
 * A prover that does no work: it commits to zero rows, and when audited answers the true products
 * through the shortcut and fabricates each opened row so that row·r_v = y_v[row] for every vector
 * (solving for t entries mod 127), with the Merkle proofs of its committed tree. Only the
 * commitment can betray it, and it always does.
 *
 * @example
 * const session = fakingProver()(challenge); // verifyOpening(...).fault === "bad-merkle-proof"
 */
export function fakingProver(): Prover {
  return (challenge) => {
    const n = challenge.n;
    const committed = new Uint8Array(n * n);
    const tree = buildRowTree(committed, n, n);
    const keys = challengeKeys(challenge);
    const session = commitResult(challenge, committed);
    if (toHex(merkleRoot(tree)) !== session.commitment.root) throw new Error("fakingProver: tree mismatch");
    return {
      ...session,
      open(audit) {
        const products = chainTimesVectors(keys, n, audit.vectors);
        const rows = audit.rows.map((index) => {
          const values = fabricateRow(
            audit.vectors,
            products.map((y) => y[index] as number),
            n,
            index,
          );
          return { index, values: toHex(values), proof: merkleProof(tree, index).map(toHex) };
        });
        return { challengeId: challenge.id, auditId: audit.id, products: products.map(toHex), rows };
      },
    };
  };
}

// A row x with x·r_v ≡ targets[v] (mod p) for every v: free entries pseudo-random, then t entries
// solved by Gauss–Jordan elimination on the first t columns whose t×t block is invertible.
function fabricateRow(vectors: readonly Uint8Array[], targets: readonly number[], n: number, seed: number): Uint8Array {
  const t = vectors.length;
  const row = new Uint8Array(n);
  for (let c = 0; c < n; c++) row[c] = (seed * 31 + c * 17 + 5) % MODULUS;
  for (let start = 0; start + t <= n; start++) {
    const columns = Array.from({ length: t }, (_, i) => start + i);
    // Augmented system: Σ_i r_v[col_i]·x_i = target_v − Σ_{c ∉ cols} r_v[c]·row[c].
    const system = vectors.map((r, v) => {
      let rest = 0;
      for (let c = 0; c < n; c++) if (c < start || c >= start + t) rest += (r[c] as number) * (row[c] as number);
      const rhs = ((((targets[v] as number) - (rest % MODULUS)) % MODULUS) + MODULUS) % MODULUS;
      return [...columns.map((c) => r[c] as number), rhs];
    });
    const solution = solveModP(system, t);
    if (solution === null) continue;
    columns.forEach((c, i) => {
      row[c] = solution[i] as number;
    });
    return row;
  }
  throw new Error("fakingProver: the audit vectors have no invertible block of columns");
}

function solveModP(system: number[][], t: number): number[] | null {
  for (let col = 0; col < t; col++) {
    const pivot = system.findIndex((eq, r) => r >= col && (eq[col] as number) % MODULUS !== 0);
    if (pivot < 0) return null;
    [system[col], system[pivot]] = [system[pivot] as number[], system[col] as number[]];
    const eq = system[col] as number[];
    const inv = powMod(eq[col] as number, MODULUS - 2);
    for (let c = 0; c <= t; c++) eq[c] = ((eq[c] as number) * inv) % MODULUS;
    for (let r = 0; r < t; r++) {
      if (r === col) continue;
      const other = system[r] as number[];
      const factor = other[col] as number;
      for (let c = 0; c <= t; c++)
        other[c] = ((((other[c] as number) - factor * (eq[c] as number)) % MODULUS) + MODULUS) % MODULUS;
    }
  }
  return system.map((eq) => eq[t] as number);
}

function powMod(base: number, exponent: number): number {
  let result = 1;
  let b = base % MODULUS;
  for (let e = exponent; e > 0; e >>= 1) {
    if (e & 1) result = (result * b) % MODULUS;
    b = (b * b) % MODULUS;
  }
  return result;
}
