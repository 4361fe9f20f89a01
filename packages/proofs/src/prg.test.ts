import { describe, expect, it } from "vitest";
import { sha256 } from "./bytes.js";
import { MODULUS } from "./field.js";
import { auditRows, auditVector, fillMatrixRow, fmix32, generateMatrix, matrixKey } from "./prg.js";

const id = sha256(new TextEncoder().encode("challenge"));

describe("work-matrix stream", () => {
  it("fmix32 is MurmurHash3's finalizer (fixed points the Python prover checks too)", () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(1364076727);
    expect(fmix32(0xffffffff)).toBe(0x81f16f39);
  });

  it("derives the same matrix from the same key and a different one for another index", () => {
    const a = generateMatrix(matrixKey(id, 0), 16);
    expect(generateMatrix(matrixKey(id, 0), 16)).toEqual(a);
    const b = generateMatrix(matrixKey(id, 1), 16);
    expect(b).not.toEqual(a);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    expect(same).toBeLessThan(a.length / 20);
  });

  it("gives residues in [0, 126] that use the whole range, rows independent of n", () => {
    const key = matrixKey(id, 3);
    const row = new Uint8Array(4096);
    fillMatrixRow(key, 7, row);
    const seen = new Set(row);
    expect(Math.max(...row)).toBeLessThan(MODULUS);
    expect(seen.size).toBe(MODULUS);
    const short = new Uint8Array(64);
    fillMatrixRow(key, 7, short);
    expect(short).toEqual(row.subarray(0, 64));
  });
});

describe("audit draws", () => {
  it("audit vectors are deterministic residues, different per vector index", () => {
    const v0 = auditVector(id, 0, 1000);
    expect(auditVector(id, 0, 1000)).toEqual(v0);
    expect(auditVector(id, 1, 1000)).not.toEqual(v0);
    expect(Math.max(...v0)).toBeLessThan(MODULUS);
  });

  it("audit vectors are uniform: every residue about equally often over 127,000 draws", () => {
    const counts = new Array(MODULUS).fill(0);
    for (const value of auditVector(id, 0, 127_000)) counts[value]++;
    // Chi-square with 126 degrees of freedom: mean 126, 99.9th percentile about 182.
    const chi2 = counts.reduce((sum, c) => sum + (c - 1000) ** 2 / 1000, 0);
    expect(chi2).toBeLessThan(182);
  });

  it("rows are k distinct indices in [0, n), deterministic", () => {
    const rows = auditRows(id, 50, 60);
    expect(new Set(rows).size).toBe(50);
    expect(rows.every((r) => r >= 0 && r < 60)).toBe(true);
    expect(auditRows(id, 50, 60)).toEqual(rows);
    expect(auditRows(id, 60, 60).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it("refuses to draw more rows than there are", () => {
    expect(() => auditRows(id, 9, 8)).toThrow(/cannot draw 9 distinct rows out of 8/);
  });
});
