import { describe, expect, it } from "vitest";
import { exactPassProbability, passProbabilityBound, rowsForSoundness } from "./soundness.js";

describe("soundness formulas", () => {
  it("the with-replacement bound is above the exact hypergeometric pass probability", () => {
    for (const [n, wrong, k, t] of [
      [32, 16, 4, 1],
      [64, 6, 16, 2],
      [1024, 102, 64, 1],
      [100, 100, 10, 1],
    ] as const) {
      expect(exactPassProbability({ n, wrongRows: wrong, k, t })).toBeLessThanOrEqual(
        passProbabilityBound({ f: wrong / n, k, t }) + 1e-15,
      );
    }
  });

  it("an all-wrong commitment passes only if every opened row is orthogonal to r: 127^(−t·k)", () => {
    expect(exactPassProbability({ n: 50, wrongRows: 50, k: 3, t: 1 })).toBeCloseTo(127 ** -3, 12);
    expect(passProbabilityBound({ f: 1, k: 3, t: 2 })).toBeCloseTo(127 ** -6, 20);
  });

  it("an honest commitment always passes; k rows for a target match the bound", () => {
    expect(exactPassProbability({ n: 64, wrongRows: 0, k: 8, t: 1 })).toBeCloseTo(1, 12);
    const k = rowsForSoundness({ f: 0.1, t: 1, target: 1e-3 });
    expect(passProbabilityBound({ f: 0.1, k, t: 1 })).toBeLessThanOrEqual(1e-3);
    expect(passProbabilityBound({ f: 0.1, k: k - 1, t: 1 })).toBeGreaterThan(1e-3);
  });
});
