// Deterministic streams of the protocol. Two kinds, for two jobs:
// - The work matrices need n² entries per matrix, generated as fast as the prover multiplies, on
//   GPU and CPU alike: a counter-based 32-bit mixer (MurmurHash3's fmix32, 4 entries per call) keyed
//   by SHA-256. It is not cryptographic; it only has to be unpredictable before the seed exists,
//   and cheap: the verifier regenerates every matrix, so this is most of its time.
// - The audit (random vectors r, rows to open) is what soundness rests on: it is drawn exactly
//   uniformly from SHA-256 in counter mode with rejection sampling, so Pr[e·r = 0] = 1/p holds exactly.
import { concatBytes, sha256, uint32be } from "./bytes.js";
import { MODULUS } from "./field.js";

/** Domain tags that separate the streams derived from one challenge or audit id. */
export const TAG = { matrixKey: 0x01, auditVector: 0x02, auditRows: 0x03 } as const;

/** Weyl increment along a row (2^32 / golden ratio, odd, so c ↦ c·W is a bijection mod 2^32). */
export const WEYL = 0x9e3779b9;

/**
 * MurmurHash3's 32-bit finalizer: a bijection on uint32 with full avalanche.
 *
 * @example
 * fmix32(0); // 0
 * fmix32(1); // 1364076727
 */
export function fmix32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The two 32-bit words that key one work matrix. */
export type MatrixKey = { k0: number; k1: number };

/**
 * Key of work matrix `index` of a challenge (0 is A, 1..L are B_1..B_L):
 * the first 8 bytes of SHA-256(challengeId ‖ 0x01 ‖ uint32 index), as two big-endian words.
 *
 * @example
 * matrixKey(challenge.idBytes, 0); // { k0: …, k1: … }
 */
export function matrixKey(challengeId: Uint8Array, index: number): MatrixKey {
  const digest = sha256(challengeId, Uint8Array.of(TAG.matrixKey), uint32be(index));
  const view = new DataView(digest.buffer, digest.byteOffset, 8);
  return { k0: view.getUint32(0, false), k1: view.getUint32(4, false) };
}

/**
 * Writes row `row` of an n-column work matrix into `out` (residues mod 127; n a multiple of 4).
 * Each 32-bit word gives 4 entries: h = fmix32(k0 ⊕ row); x_w = fmix32(((h + w·0x9e3779b9) mod 2^32) ⊕ k1);
 * entry[4w + s] = byte s of x_w (least significant first) & 0x7f, with 127 folded to 0.
 * Entry 0 is twice as likely as the others (2/128); the work needs no uniformity, only
 * unpredictability before the seed (soundness rests on the audit's exactly uniform draws).
 *
 * @example
 * const row = new Uint8Array(64);
 * fillMatrixRow(matrixKey(idBytes, 1), 0, row);
 */
export function fillMatrixRow(key: MatrixKey, row: number, out: Uint8Array): void {
  const h = fmix32(key.k0 ^ row);
  const k1 = key.k1;
  const words = out.length >>> 2;
  for (let w = 0; w < words; w++) {
    let x = ((h + Math.imul(w, WEYL)) ^ k1) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    x ^= x >>> 16;
    const c = w << 2;
    // (e + ((e + 1) >> 7)) & 0x7f maps 127 to 0 and leaves 0..126 alone.
    let e = x & 0x7f;
    out[c] = (e + ((e + 1) >> 7)) & 0x7f;
    e = (x >>> 8) & 0x7f;
    out[c + 1] = (e + ((e + 1) >> 7)) & 0x7f;
    e = (x >>> 16) & 0x7f;
    out[c + 2] = (e + ((e + 1) >> 7)) & 0x7f;
    e = (x >>> 24) & 0x7f;
    out[c + 3] = (e + ((e + 1) >> 7)) & 0x7f;
  }
}

/**
 * The whole n×n work matrix, row-major.
 *
 * @example
 * const a = generateMatrix(matrixKey(idBytes, 0), 64); // Uint8Array(4096)
 */
export function generateMatrix(key: MatrixKey, n: number): Uint8Array {
  const matrix = new Uint8Array(n * n);
  for (let row = 0; row < n; row++) fillMatrixRow(key, row, matrix.subarray(row * n, (row + 1) * n));
  return matrix;
}

/**
 * Exactly uniform residues mod 127 from SHA-256(auditId ‖ 0x02 ‖ uint32 vector ‖ uint32 counter):
 * each digest byte b < 254 gives b mod 127, bytes 254 and 255 are skipped.
 *
 * @example
 * auditVector(auditIdBytes, 0, 64); // Uint8Array(64), entries in [0, 126]
 */
export function auditVector(auditId: Uint8Array, vector: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let filled = 0;
  for (let counter = 0; filled < n; counter++) {
    const block = sha256(auditId, Uint8Array.of(TAG.auditVector), uint32be(vector), uint32be(counter));
    for (let i = 0; i < block.length && filled < n; i++) {
      const b = block[i] as number;
      if (b < 254) out[filled++] = b % MODULUS;
    }
  }
  return out;
}

/**
 * `k` distinct row indices in [0, n), exactly uniform, in the order drawn, from
 * SHA-256(auditId ‖ 0x03 ‖ uint32 counter) read as big-endian uint32 words; a word w is used when
 * w < ⌊2^32 / n⌋·n (rejection keeps it uniform) as w mod n, and repeats are skipped.
 *
 * @example
 * auditRows(auditIdBytes, 8, 64); // e.g. [17, 3, 60, …]
 */
export function auditRows(auditId: Uint8Array, k: number, n: number): number[] {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`auditRows: cannot draw ${k} distinct rows out of ${n}; use 1 ≤ k ≤ n`);
  }
  const limit = Math.floor(2 ** 32 / n) * n;
  const chosen = new Set<number>();
  const rows: number[] = [];
  for (let counter = 0; rows.length < k; counter++) {
    const block = sha256(concatBytes(auditId, Uint8Array.of(TAG.auditRows), uint32be(counter)));
    const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
    for (let offset = 0; offset < 32 && rows.length < k; offset += 4) {
      const word = view.getUint32(offset, false);
      if (word >= limit) continue;
      const row = word % n;
      if (chosen.has(row)) continue;
      chosen.add(row);
      rows.push(row);
    }
  }
  return rows;
}

/**
 * One entry of a work matrix, in O(1): what a contract evaluates n times to rebuild one column.
 *
 * @example
 * matrixEntry(key, 5, 9) === generateMatrix(key, 16)[5 * 16 + 9]; // true
 */
export function matrixEntry(key: MatrixKey, row: number, col: number): number {
  const h = fmix32(key.k0 ^ row);
  const x = fmix32(((h + Math.imul(col >>> 2, WEYL)) ^ key.k1) >>> 0);
  const e = (x >>> (8 * (col & 3))) & 0x7f;
  return (e + ((e + 1) >> 7)) & 0x7f;
}

/**
 * Column `col` of an n×n work matrix, in O(n) (2n fmix32 calls).
 *
 * @example
 * matrixColumn(matrixKey(idBytes, 1), 9, 16); // Uint8Array(16): B_1[:, 9]
 */
export function matrixColumn(key: MatrixKey, col: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let row = 0; row < n; row++) out[row] = matrixEntry(key, row, col);
  return out;
}
