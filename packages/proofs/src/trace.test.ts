import { describe, expect, it } from "vitest";
import { sha256, toHex } from "./bytes.js";
import { chainTimesVectors, runChain } from "./chain.js";
import { MODULUS } from "./field.js";
import { challengeKeys, deriveChallenge } from "./messages.js";
import { auditVector, generateMatrix, type MatrixKey, matrixKey } from "./prg.js";
import { chainTrace, chainTraces, traceHashes, traceSchedule, traceStepEntry, traceStepPart } from "./trace.js";

const id = sha256(new TextEncoder().encode("trace"));
const keysFor = (steps: number): MatrixKey[] => Array.from({ length: steps + 1 }, (_, i) => matrixKey(id, i));

// M·v or Mᵀ·v mod p from the whole matrix, with bigint: independent of the row-at-a-time kernel.
function fullProduct(matrix: Uint8Array, n: number, v: Uint8Array, transpose: boolean): Uint8Array {
  const out = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0n;
    for (let c = 0; c < n; c++) {
      const m = transpose ? matrix[c * n + j] : matrix[j * n + c];
      sum += BigInt(m as number) * BigInt(v[c] as number);
    }
    out[j] = Number(sum % BigInt(MODULUS));
  }
  return out;
}

// Y·r mod p from the prover's Y.
function resultTimes(y: Uint8Array, n: number, r: Uint8Array): Uint8Array {
  return fullProduct(y, n, r, false);
}

describe("traceSchedule", () => {
  it("uses every matrix once, A in the middle, transposed B's last in ascending order", () => {
    expect(traceSchedule(1)).toEqual([
      { matrix: 0, transpose: true },
      { matrix: 1, transpose: true },
    ]);
    expect(traceSchedule(2)).toEqual([
      { matrix: 1, transpose: false },
      { matrix: 0, transpose: false },
      { matrix: 2, transpose: true },
    ]);
    expect(traceSchedule(3)).toEqual([
      { matrix: 2, transpose: false },
      { matrix: 0, transpose: true },
      { matrix: 1, transpose: true },
      { matrix: 3, transpose: true },
    ]);
    for (let steps = 1; steps <= 9; steps++) {
      const used = traceSchedule(steps).map((s) => s.matrix);
      expect([...used].sort((a, b) => a - b)).toEqual(Array.from({ length: steps + 1 }, (_, i) => i));
    }
  });

  it("refuses a chain without products, naming the count", () => {
    expect(() => traceSchedule(0)).toThrow(/integer number of products ≥ 1, got 0/);
    expect(() => traceSchedule(1.5)).toThrow(/got 1.5/);
  });
});

describe("chainTrace", () => {
  it.each([
    [1, 12],
    [2, 16],
    [3, 16],
    [4, 8],
    [5, 8],
  ])(
    "with %i products at n=%i: each step is the full product of its matrix, the last is Y·r from the prover",
    (steps, n) => {
      const keys = keysFor(steps);
      const r = auditVector(id, steps, n);
      const trace = chainTrace(keys, n, r);
      expect(trace).toHaveLength(steps + 2);
      expect(trace[0]).toEqual(r);
      traceSchedule(steps).forEach((step, s) => {
        const matrix = generateMatrix(keys[step.matrix] as MatrixKey, n);
        expect(trace[s + 1]).toEqual(fullProduct(matrix, n, trace[s] as Uint8Array, step.transpose));
      });
      const { result } = runChain(keys, n);
      expect(trace[steps + 1]).toEqual(resultTimes(result, n, r));
    },
  );

  it("gives each vector of a batch the trace it has alone, and chainTimesVectors its last vectors", () => {
    const n = 16;
    const keys = keysFor(3);
    const vectors = [auditVector(id, 0, n), auditVector(id, 1, n), auditVector(id, 2, n)];
    const batch = chainTraces(keys, n, vectors);
    vectors.forEach((r, t) => {
      expect(batch[t]).toEqual(chainTrace(keys, n, r));
    });
    expect(chainTimesVectors(keys, n, vectors)).toEqual(batch.map((trace) => trace[4]));
    // t = 2 takes the paired kernel: same vectors.
    expect(chainTraces(keys, n, vectors.slice(0, 2))).toEqual(batch.slice(0, 2));
  });

  it("refuses a vector of the wrong length, naming it", () => {
    expect(() => chainTrace(keysFor(2), 16, new Uint8Array(15))).toThrow(
      /vector 0 has 15 entries, the matrices have n=16/,
    );
  });
});

describe("traceStepEntry", () => {
  it.each([1, 2, 3, 4])("equals every entry of every step of the trace (%i products, n=16)", (steps) => {
    const n = 16;
    const keys = keysFor(steps);
    const trace = chainTrace(keys, n, auditVector(id, 9, n));
    for (let s = 0; s <= steps; s++) {
      for (let j = 0; j < n; j++) {
        expect(traceStepEntry(keys, n, s, trace[s] as Uint8Array, j)).toBe((trace[s + 1] as Uint8Array)[j]);
      }
    }
  });

  it("checks a real challenge's trace at n=64 with 2 products, and tells a wrong v_{s+1} entry from a right one", () => {
    const challenge = deriveChallenge({
      seed: `0x${"ab".repeat(32)}`,
      provider: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
      gpuIndex: 0,
      model: "cpu",
      n: 64,
      steps: 2,
    });
    const keys = challengeKeys(challenge);
    const trace = chainTrace(keys, 64, auditVector(id, 0, 64));
    const forged = Uint8Array.from(trace[2] as Uint8Array);
    forged[7] = ((forged[7] as number) + 1) % MODULUS;
    expect(traceStepEntry(keys, 64, 1, trace[1] as Uint8Array, 7)).toBe((trace[2] as Uint8Array)[7]);
    expect(traceStepEntry(keys, 64, 1, trace[1] as Uint8Array, 7)).not.toBe(forged[7]);
  });

  it("refuses a step, entry or vector out of range, naming the value", () => {
    const keys = keysFor(2);
    const v = new Uint8Array(8);
    expect(() => traceStepEntry(keys, 8, 3, v, 0)).toThrow(/step 3 is not in \[0, 2\]/);
    expect(() => traceStepEntry(keys, 8, 0, v, 8)).toThrow(/entry 8 is not in \[0, 8\)/);
    expect(() => traceStepEntry(keys, 8, 0, new Uint8Array(4), 0)).toThrow(/v_0 has 4 entries, expected n=8/);
  });
});

describe("traceStepPart", () => {
  it.each([1, 2, 3])("adds up over a split of v_s to the entry (%i products, n=24)", (steps) => {
    const n = 24;
    const keys = keysFor(steps);
    const trace = chainTrace(keys, n, auditVector(id, 5, n));
    for (let s = 0; s <= steps; s++) {
      const v = trace[s] as Uint8Array;
      for (const j of [0, 7, 23]) {
        const parts =
          traceStepPart(keys, n, s, v.subarray(0, 8), 0, j) +
          traceStepPart(keys, n, s, v.subarray(8, 8), 8, j) +
          traceStepPart(keys, n, s, v.subarray(8, 20), 8, j) +
          traceStepPart(keys, n, s, v.subarray(20), 20, j);
        expect(parts % MODULUS).toBe((trace[s + 1] as Uint8Array)[j]);
      }
    }
  });

  it("refuses a slice not aligned to 4 or past n, naming it", () => {
    const keys = keysFor(2);
    expect(() => traceStepPart(keys, 16, 0, new Uint8Array(4), 2, 0)).toThrow(
      /slice \[2, 6\) of v_0 must start and end/,
    );
    expect(() => traceStepPart(keys, 16, 0, new Uint8Array(8), 12, 0)).toThrow(/slice \[12, 20\)/);
  });
});

describe("traceHashes", () => {
  it("hashes each vector: first sha256(r), last sha256(Y·r)", () => {
    const n = 8;
    const r = auditVector(id, 0, n);
    const trace = chainTrace(keysFor(2), n, r);
    const hashes = traceHashes(trace);
    expect(hashes).toHaveLength(4);
    expect(hashes[0]).toBe(toHex(sha256(r)));
    expect(hashes[3]).toBe(toHex(sha256(trace[3] as Uint8Array)));
  });
});
