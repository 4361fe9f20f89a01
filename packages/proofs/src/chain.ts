// The work: X_0 = A, X_i = (X_{i-1} · B_i)ᵀ mod 127 for i = 1..L, all n×n; the result Y = X_L.
// The transpose makes every row of X_i depend on every row of X_{i-1}, so the chain cannot be run
// one block of rows at a time; one entry of X_i is still X_{i-1}[c,:]·B_i[:,j], one committed row
// and one column of B_i, which is what an on-chain check of a single step needs.
import { MODULUS } from "./field.js";
import { generateMatrix, type MatrixKey, matrixColumn } from "./prg.js";
import { chainTraces } from "./trace.js";

/**
 * One step of the chain: returns (x · b)ᵀ mod 127 for row-major n×n residue matrices. `columns`
 * restricts the work to some columns of the product (rows of the result); the rest stay zero.
 * Int32 accumulation is exact for n ≤ 135,300 (126·126·n < 2^31).
 *
 * @example
 * const x1 = chainStep(generateMatrix(keyA, 64), generateMatrix(keyB1, 64), 64);
 */
export function chainStep(x: Uint8Array, b: Uint8Array, n: number, columns?: readonly number[]): Uint8Array {
  const out = new Uint8Array(n * n);
  // Four rows of x at a time share each load of a row of b.
  const acc0 = new Int32Array(n);
  const acc1 = new Int32Array(n);
  const acc2 = new Int32Array(n);
  const acc3 = new Int32Array(n);
  const accs = [acc0, acc1, acc2, acc3];
  for (let i0 = 0; i0 < n; i0 += 4) {
    const rowsHere = Math.min(4, n - i0);
    acc0.fill(0);
    acc1.fill(0);
    acc2.fill(0);
    acc3.fill(0);
    const base0 = i0 * n;
    const base1 = rowsHere > 1 ? base0 + n : base0;
    const base2 = rowsHere > 2 ? base0 + 2 * n : base0;
    const base3 = rowsHere > 3 ? base0 + 3 * n : base0;
    if (columns === undefined) {
      for (let k = 0; k < n; k++) {
        const a0 = x[base0 + k] as number;
        const a1 = x[base1 + k] as number;
        const a2 = x[base2 + k] as number;
        const a3 = x[base3 + k] as number;
        const off = k * n;
        for (let j = 0; j < n; j++) {
          const v = b[off + j] as number;
          acc0[j] = (acc0[j] as number) + a0 * v;
          acc1[j] = (acc1[j] as number) + a1 * v;
          acc2[j] = (acc2[j] as number) + a2 * v;
          acc3[j] = (acc3[j] as number) + a3 * v;
        }
      }
    } else {
      for (let k = 0; k < n; k++) {
        const a0 = x[base0 + k] as number;
        const a1 = x[base1 + k] as number;
        const a2 = x[base2 + k] as number;
        const a3 = x[base3 + k] as number;
        const off = k * n;
        for (const j of columns) {
          const v = b[off + j] as number;
          acc0[j] = (acc0[j] as number) + a0 * v;
          acc1[j] = (acc1[j] as number) + a1 * v;
          acc2[j] = (acc2[j] as number) + a2 * v;
          acc3[j] = (acc3[j] as number) + a3 * v;
        }
      }
    }
    // Transposed write: product row i becomes result column i.
    for (let r = 0; r < rowsHere; r++) {
      const acc = accs[r] as Int32Array;
      const i = i0 + r;
      for (let j = 0; j < n; j++) out[j * n + i] = (acc[j] as number) % MODULUS;
    }
  }
  return out;
}

/** Timing of an honest chain, in milliseconds. */
export type ChainTimings = { deriveMs: number; productMs: number };

/**
 * Runs the whole chain from the matrix keys (keys[0] for A, keys[i] for B_i) and returns Y = X_L.
 *
 * @example
 * const { result } = runChain(keys, 64);
 */
export function runChain(
  keys: readonly MatrixKey[],
  n: number,
  options: { finalColumns?: readonly number[] } = {},
): { result: Uint8Array; timings: ChainTimings } {
  let deriveMs = 0;
  let productMs = 0;
  let t = performance.now();
  let x = generateMatrix(keys[0] as MatrixKey, n);
  deriveMs += performance.now() - t;
  for (let i = 1; i < keys.length; i++) {
    t = performance.now();
    const b = generateMatrix(keys[i] as MatrixKey, n);
    deriveMs += performance.now() - t;
    t = performance.now();
    x = chainStep(x, b, n, i === keys.length - 1 ? options.finalColumns : undefined);
    productMs += performance.now() - t;
  }
  return { result: x, timings: { deriveMs, productMs } };
}

/**
 * Y·r mod 127 for each r, computed from the keys alone in O(L·n²) without running the chain
 * (Freivalds through the chain): X_i·v = B_iᵀ(X_{i-1}ᵀ v) and X_iᵀ·v = X_{i-1}(B_i v), down to A; the last
 * vector of each {@link chainTraces} trace, so the order of the steps has one definition (trace.ts).
 *
 * @example
 * const [y] = chainTimesVectors(keys, 64, [r]); // equals runChain(keys, 64).result · r mod 127
 */
export function chainTimesVectors(keys: readonly MatrixKey[], n: number, vectors: readonly Uint8Array[]): Uint8Array[] {
  return chainTraces(keys, n, vectors).map((trace) => trace[trace.length - 1] as Uint8Array);
}

/**
 * Dot product of a row and a vector of residues, mod 127.
 *
 * @example
 * rowTimesVector(Uint8Array.of(1, 2), Uint8Array.of(3, 4)); // 11
 */
export function rowTimesVector(row: Uint8Array, vector: Uint8Array): number {
  let sum = 0;
  for (let c = 0; c < row.length; c++) sum += (row[c] as number) * (vector[c] as number);
  return sum % MODULUS;
}

/**
 * One entry of step i of the chain from one row of the step before, in O(n): the check an on-chain
 * fraud proof runs. X_i[j][c] = X_{i-1}[c,:] · B_i[:,j] mod 127, where `previousRow` is row c of
 * X_{i-1} (for i = 1, row c of A, which anyone can regenerate) and `key` is B_i's key.
 *
 * @example
 * // L = 1: an opened entry Y[j][c] recomputed from the seed alone.
 * const row = new Uint8Array(n);
 * fillMatrixRow(keys[0], c, row);
 * stepEntry(keys[1], row, j) === y[j * n + c]; // true for an honest Y
 */
export function stepEntry(key: MatrixKey, previousRow: Uint8Array, j: number): number {
  return rowTimesVector(previousRow, matrixColumn(key, j, previousRow.length));
}
