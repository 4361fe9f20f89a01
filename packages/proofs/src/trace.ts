// The chain through r, one vector per step: v_0 = r, v_{s+1} = M_s·v_s mod 127, v_{L+1} = Y·r. This is
// the one definition of the order the verifier walks (chainTimesVectors) and the sequence an on-chain
// bisection (ProofOfCompute: postTrace, pickStep, revealStep, proveStep) narrows to one step, whose
// single entry ProofMath.traceStepEntry recomputes in O(n).
import { type Hex, sha256, toHex } from "./bytes.js";
import { MODULUS } from "./field.js";
import { fillMatrixRow, type MatrixKey, matrixEntry } from "./prg.js";

/** One step of the trace: v_{s+1} = M·v_s (transpose false) or Mᵀ·v_s (transpose true), M = work matrix `matrix`. */
export type TraceStep = {
  /** Index of the work matrix: 0 is A, 1..L are B_1..B_L. */
  matrix: number;
  /** True when the step multiplies by the matrix's transpose (entry j needs column j, 2n fmix32 calls). */
  transpose: boolean;
};

/**
 * The L+1 steps of the chain through r for a chain of L products, in order. With X_i = (X_{i−1}·B_i)ᵀ,
 * Y·r = X_L·r unrolls as X_i·v = B_iᵀ(X_{i−1}ᵀ·v) and X_iᵀ·v = X_{i−1}(B_i·v): first B_{L−1}, B_{L−3}, …
 * (untransposed), then A (transposed when L is odd), then B_1 or B_2, …, B_L transposed, ascending.
 * ProofMath.sol evaluates the same closed form.
 *
 * @example
 * traceSchedule(2); // [{ matrix: 1, transpose: false }, { matrix: 0, transpose: false }, { matrix: 2, transpose: true }]
 */
export function traceSchedule(steps: number): TraceStep[] {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`traceSchedule: a chain has an integer number of products ≥ 1, got ${steps}`);
  }
  const schedule: TraceStep[] = [];
  for (let i = steps - 1; i >= 1; i -= 2) schedule.push({ matrix: i, transpose: false });
  schedule.push({ matrix: 0, transpose: steps % 2 === 1 });
  for (let i = steps % 2 === 1 ? 1 : 2; i <= steps; i += 2) schedule.push({ matrix: i, transpose: true });
  return schedule;
}

/**
 * The traces of several vectors at once (one pass over each regenerated matrix serves them all):
 * `result[t][s]` is v_s of vector t, s = 0..L+1, each n residues; `result[t][L+1]` is Y·r_t.
 * O((L+1)·n²) time, O(n) memory per vector and step; keys[0] is A, keys[i] is B_i.
 *
 * @example
 * const [traceOfR0, traceOfR1] = chainTraces(challengeKeys(challenge), challenge.n, audit.vectors);
 */
export function chainTraces(keys: readonly MatrixKey[], n: number, vectors: readonly Uint8Array[]): Uint8Array[][] {
  const schedule = traceSchedule(keys.length - 1);
  vectors.forEach((v, t) => {
    if (v.length !== n)
      throw new RangeError(`chainTraces: vector ${t} has ${v.length} entries, the matrices have n=${n}`);
  });
  const traces: Uint8Array[][] = vectors.map((v) => [Uint8Array.from(v)]);
  let current: Float64Array[] = vectors.map((v) => Float64Array.from(v));
  for (const step of schedule) {
    current = applyMatrix(keys[step.matrix] as MatrixKey, n, current, step.transpose);
    current.forEach((v, t) => {
      (traces[t] as Uint8Array[]).push(Uint8Array.from(v));
    });
  }
  return traces;
}

/**
 * The L+2 vectors v_0 = r, …, v_{L+1} = Y·r of the verifier's chain through r (see {@link traceSchedule}).
 *
 * @example
 * const trace = chainTrace(challengeKeys(challenge), challenge.n, audit.vectors[0]);
 * trace[trace.length - 1]; // Y·r_0 mod 127, what an honest provider answered as y_0
 */
export function chainTrace(keys: readonly MatrixKey[], n: number, vector: Uint8Array): Uint8Array[] {
  return chainTraces(keys, n, [vector])[0] as Uint8Array[];
}

/**
 * Entry j of v_{s+1} = M_s·v_s mod 127 in O(n), from v_s and the step's key alone: regenerates row j of
 * M_s (n/4 fmix32 calls), or column j for a transposed step (2n calls). The TypeScript twin of
 * ProofMath.traceStepEntry, which a contract runs to settle a bisection at one entry.
 *
 * @example
 * const trace = chainTrace(keys, n, r);
 * traceStepEntry(keys, n, 1, trace[1], 5) === trace[2][5]; // true
 */
export function traceStepEntry(keys: readonly MatrixKey[], n: number, s: number, v: Uint8Array, j: number): number {
  if (v.length !== n) throw new RangeError(`traceStepEntry: v_${s} has ${v.length} entries, expected n=${n}`);
  return traceStepPart(keys, n, s, v, 0, j);
}

/**
 * What the slice v_s[first .. first + part.length) contributes to entry j of v_{s+1}, mod 127: the parts of a
 * split of v_s add up (mod 127) to {@link traceStepEntry}. The twin of ProofMath.traceStepPart, which lets a
 * contract spread one check over several transactions; `first` and the slice's length are multiples of 4.
 *
 * @example
 * (traceStepPart(keys, n, s, v.subarray(0, 32), 0, j) + traceStepPart(keys, n, s, v.subarray(32), 32, j)) % 127
 *   === traceStepEntry(keys, n, s, v, j); // true
 */
export function traceStepPart(
  keys: readonly MatrixKey[],
  n: number,
  s: number,
  part: Uint8Array,
  first: number,
  j: number,
): number {
  const schedule = traceSchedule(keys.length - 1);
  const step = schedule[s];
  if (!Number.isInteger(s) || step === undefined) {
    throw new RangeError(
      `traceStepEntry: step ${s} is not in [0, ${schedule.length - 1}] for ${keys.length - 1} products`,
    );
  }
  if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`traceStepEntry: entry ${j} is not in [0, ${n})`);
  if (!Number.isInteger(first) || first % 4 !== 0 || part.length % 4 !== 0 || first < 0 || first + part.length > n) {
    throw new RangeError(
      `traceStepPart: slice [${first}, ${first + part.length}) of v_${s} must start and end at multiples of 4 within [0, ${n}]`,
    );
  }
  const key = keys[step.matrix] as MatrixKey;
  let sum = 0;
  if (step.transpose) {
    for (let c = 0; c < part.length; c++) sum += matrixEntry(key, first + c, j) * (part[c] as number);
  } else {
    const row = new Uint8Array(n);
    fillMatrixRow(key, j, row);
    for (let c = 0; c < part.length; c++) sum += (row[first + c] as number) * (part[c] as number);
  }
  // Below 126·126·n < 2^53 for any n a challenge can have: exact in a double.
  return sum % MODULUS;
}

/**
 * sha256 of each vector of a trace: the L+2 `stepHashes` a provider posts (ProofOfCompute.postTrace);
 * the first is sha256(r_t), the last sha256(y_t).
 *
 * @example
 * traceHashes(chainTrace(keys, n, r)); // ["0x…", …] (L+2 entries)
 */
export function traceHashes(trace: readonly Uint8Array[]): Hex[] {
  return trace.map((v) => toHex(sha256(v)));
}

// For each vector v: out = M·v (transpose false) or Mᵀ·v (transpose true) mod 127, M regenerated
// one row at a time from its key so the verifier never holds an n×n matrix.
function applyMatrix(key: MatrixKey, n: number, vectors: Float64Array[], transpose: boolean): Float64Array[] {
  const row = new Uint8Array(n);
  const outs: Float64Array[] = [];
  for (let t = 0; t < vectors.length; t++) outs.push(new Float64Array(n));
  const [v0, v1] = vectors as [Float64Array, Float64Array | undefined];
  const [o0, o1] = outs as [Float64Array, Float64Array | undefined];
  for (let j = 0; j < n; j++) {
    fillMatrixRow(key, j, row);
    // The usual t = 2 in one pass over the row; other t one vector at a time.
    if (vectors.length === 2 && v1 !== undefined && o1 !== undefined) {
      if (transpose) addScaledRowPair(row, v0[j] as number, v1[j] as number, o0, o1, n);
      else dotPair(row, v0, v1, n, o0, o1, j);
      continue;
    }
    for (let t = 0; t < vectors.length; t++) {
      if (transpose) addScaledRow(row, (vectors[t] as Float64Array)[j] as number, outs[t] as Float64Array, n);
      else (outs[t] as Float64Array)[j] = dot(row, vectors[t] as Float64Array, n);
    }
  }
  // Sums stay below 126·126·n < 2^53: exact in doubles.
  for (const out of outs) for (let i = 0; i < n; i++) out[i] = (out[i] as number) % MODULUS;
  return outs;
}

function dot(row: Uint8Array, v: Float64Array, n: number): number {
  let sum = 0;
  for (let c = 0; c < n; c++) sum += (row[c] as number) * (v[c] as number);
  return sum;
}

function dotPair(
  row: Uint8Array,
  v0: Float64Array,
  v1: Float64Array,
  n: number,
  o0: Float64Array,
  o1: Float64Array,
  j: number,
): void {
  let s0 = 0;
  let s1 = 0;
  for (let c = 0; c < n; c++) {
    const m = row[c] as number;
    s0 += m * (v0[c] as number);
    s1 += m * (v1[c] as number);
  }
  o0[j] = s0;
  o1[j] = s1;
}

function addScaledRowPair(
  row: Uint8Array,
  a0: number,
  a1: number,
  o0: Float64Array,
  o1: Float64Array,
  n: number,
): void {
  for (let c = 0; c < n; c++) {
    const m = row[c] as number;
    o0[c] = (o0[c] as number) + m * a0;
    o1[c] = (o1[c] as number) + m * a1;
  }
}

function addScaledRow(row: Uint8Array, scale: number, out: Float64Array, n: number): void {
  if (scale === 0) return;
  for (let c = 0; c < n; c++) out[c] = (out[c] as number) + (row[c] as number) * scale;
}
