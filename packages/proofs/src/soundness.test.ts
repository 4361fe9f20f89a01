import { describe, expect, it } from "vitest";
import { passProbabilityBound, passProbabilityBoundDistinctRows, rowsForSoundness } from "./soundness.js";

describe("soundness formulas", () => {
  it("the with-replacement bound is above the exact hypergeometric pass probability", () => {
    for (const [n, wrong, k, t] of [
      [32, 16, 4, 1],
      [64, 6, 16, 2],
      [1024, 102, 64, 1],
      [100, 100, 10, 1],
    ] as const) {
      expect(passProbabilityBoundDistinctRows({ n, wrongRows: wrong, k, t })).toBeLessThanOrEqual(
        passProbabilityBound({ f: wrong / n, k, t }) + 1e-15,
      );
    }
  });

  it("an all-wrong commitment is bounded by the floor p^−t: wrong rows may share one error that r misses", () => {
    expect(passProbabilityBoundDistinctRows({ n: 50, wrongRows: 50, k: 3, t: 1 })).toBeCloseTo(1 / 127, 12);
    expect(passProbabilityBound({ f: 1, k: 3, t: 2 })).toBeCloseTo(127 ** -2, 15);
  });

  it("refuses a target below the floor p^−t", () => {
    expect(() => rowsForSoundness({ f: 0.5, t: 1, target: 1e-3 })).toThrow(/floor p\^-t/);
  });

  it("an honest commitment always passes; k rows for a target match the bound", () => {
    expect(passProbabilityBoundDistinctRows({ n: 64, wrongRows: 0, k: 8, t: 1 })).toBeCloseTo(1, 12);
    const k = rowsForSoundness({ f: 0.1, t: 2, target: 1e-3 });
    expect(passProbabilityBound({ f: 0.1, k, t: 2 })).toBeLessThanOrEqual(1e-3);
    expect(passProbabilityBound({ f: 0.1, k: k - 1, t: 2 })).toBeGreaterThan(1e-3);
  });
});
