import { describe, expect, it } from "vitest";
import { sha256 } from "./bytes.js";
import { chainStep, chainTimesVectors, rowTimesVector, runChain, stepEntry } from "./chain.js";
import { MODULUS } from "./field.js";
import { auditVector, fillMatrixRow, generateMatrix, type MatrixKey, matrixEntry, matrixKey } from "./prg.js";

const id = sha256(new TextEncoder().encode("chain"));
const keysFor = (steps: number): MatrixKey[] => Array.from({ length: steps + 1 }, (_, i) => matrixKey(id, i));

// Schoolbook (x·b)ᵀ mod p with bigint, independent of the optimised kernel.
function naiveStep(x: Uint8Array, b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0n;
      for (let k = 0; k < n; k++) sum += BigInt(x[i * n + k] as number) * BigInt(b[k * n + j] as number);
      out[j * n + i] = Number(sum % BigInt(MODULUS));
    }
  }
  return out;
}

describe("chainStep", () => {
  it.each([4, 8, 12, 20])(
    "equals the schoolbook (X·B)ᵀ mod 127 at n=%i (rows not a multiple of the 4-row block too)",
    (n) => {
      const x = generateMatrix(matrixKey(id, 100), n);
      const b = generateMatrix(matrixKey(id, 101), n);
      expect(chainStep(x, b, n)).toEqual(naiveStep(x, b, n));
    },
  );

  it("computes only the requested columns of the product (rows of the result) when asked", () => {
    const n = 8;
    const x = generateMatrix(matrixKey(id, 100), n);
    const b = generateMatrix(matrixKey(id, 101), n);
    const full = chainStep(x, b, n);
    const partial = chainStep(x, b, n, [2, 5]);
    for (let row = 0; row < n; row++) {
      const got = partial.subarray(row * n, (row + 1) * n);
      expect(got).toEqual(row === 2 || row === 5 ? full.subarray(row * n, (row + 1) * n) : new Uint8Array(n));
    }
  });

  it("keeps int32 accumulation exact at the largest entries (126 everywhere)", () => {
    const n = 64;
    const x = new Uint8Array(n * n).fill(126);
    const out = chainStep(x, x, n);
    expect(out.every((v) => v === (126 * 126 * n) % MODULUS)).toBe(true);
  });
});

describe("chainTimesVectors (Freivalds through the chain)", () => {
  it.each([1, 2, 3, 4, 5])("equals Y·r for Y computed by running %i steps", (steps) => {
    const n = 16;
    const keys = keysFor(steps);
    const { result } = runChain(keys, n);
    const vectors = [auditVector(id, 0, n), auditVector(id, 1, n)];
    const through = chainTimesVectors(keys, n, vectors);
    vectors.forEach((r, v) => {
      const direct = Array.from({ length: n }, (_, j) => rowTimesVector(result.subarray(j * n, (j + 1) * n), r));
      expect(Array.from(through[v] as Uint8Array)).toEqual(direct);
    });
  });

  it("detects a single changed entry of Y for most r (the difference is seen unless r is orthogonal)", () => {
    const n = 16;
    const keys = keysFor(2);
    const { result } = runChain(keys, n);
    const wrong = result.slice();
    wrong[5 * n + 3] = ((wrong[5 * n + 3] as number) + 1) % MODULUS;
    let seen = 0;
    for (let trial = 0; trial < 50; trial++) {
      const r = auditVector(id, 10 + trial, n);
      const [truth] = chainTimesVectors(keys, n, [r]);
      if (rowTimesVector(wrong.subarray(5 * n, 6 * n), r) !== truth?.[5]) seen++;
    }
    // Only r[3] = 0 hides it: probability 1/127 per trial.
    expect(seen).toBeGreaterThanOrEqual(48);
  });
});

describe("stepEntry (the O(n) check of one entry)", () => {
  it("recomputes every entry of a one-step chain from the keys alone", () => {
    const n = 12;
    const keys = keysFor(1);
    const { result } = runChain(keys, n);
    const row = new Uint8Array(n);
    for (let c = 0; c < n; c++) {
      fillMatrixRow(keys[0] as MatrixKey, c, row);
      for (let j = 0; j < n; j++) expect(stepEntry(keys[1] as MatrixKey, row, j)).toBe(result[j * n + c]);
    }
  });

  it("recomputes an entry of step i from one row of step i − 1", () => {
    const n = 8;
    const keys = keysFor(3);
    const x2 = runChain(keys.slice(0, 3), n).result;
    const x3 = runChain(keys, n).result;
    for (const [j, c] of [
      [0, 0],
      [3, 5],
      [7, 2],
    ] as const) {
      expect(stepEntry(keys[3] as MatrixKey, x2.subarray(c * n, (c + 1) * n), j)).toBe(x3[j * n + c]);
    }
  });

  it("matrixEntry agrees with generateMatrix everywhere", () => {
    const key = matrixKey(id, 42);
    const n = 20;
    const m = generateMatrix(key, n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expect(matrixEntry(key, r, c)).toBe(m[r * n + c]);
  });
});
