import { describe, expect, it } from "vitest";
import { decayWeight, type ReputationEvent, reputationFromEvents, WEIGHT_SCALE } from "./formula.js";

const NOW = 1_700_000_000n;
const DAY = 86_400n;
const at = (kind: ReputationEvent["kind"], daysAgo: bigint): ReputationEvent => ({ kind, at: NOW - daysAgo * DAY });

describe("decayWeight", () => {
  it("halves every 7 days, exactly", () => {
    expect(decayWeight(0n)).toBe(WEIGHT_SCALE);
    expect(decayWeight(7n * DAY)).toBe(WEIGHT_SCALE / 2n);
    expect(decayWeight(14n * DAY)).toBe(WEIGHT_SCALE / 4n);
    expect(decayWeight(70n * DAY)).toBe(WEIGHT_SCALE / 1024n);
  });

  it("takes half a half-life to 2^-1/2 (rounded down at 1e18)", () => {
    expect(decayWeight((7n * DAY) / 2n)).toBe(707106781186547524n);
  });

  it("weighs events from the future as now, and very old ones as nothing", () => {
    expect(decayWeight(-5n)).toBe(WEIGHT_SCALE);
    expect(decayWeight(64n * 7n * DAY)).toBe(0n);
  });

  it("decreases with age", () => {
    let previous = decayWeight(0n);
    for (let age = 3_600n; age < 30n * DAY; age += 7_919n) {
      const w = decayWeight(age);
      expect(w).toBeLessThanOrEqual(previous);
      previous = w;
    }
  });
});

describe("reputationFromEvents", () => {
  it("gives a new provider the neutral 0.5", () => {
    expect(reputationFromEvents([], NOW)).toMatchObject({ score: 0.5, scorePpm: 500_000, gains: 0n, losses: 0n });
  });

  it("counts a fresh completion as one gain: 2/3", () => {
    expect(reputationFromEvents([at("leaseCompleted", 0n)], NOW).scorePpm).toBe(666_666);
  });

  it("halves an event's weight after 7 days: (1 + 0.5)/(2 + 0.5) = 0.6", () => {
    expect(reputationFromEvents([at("leaseCompleted", 7n)], NOW).scorePpm).toBe(600_000);
    // Two half-lives: 1.25/2.25.
    expect(reputationFromEvents([at("leaseCompleted", 14n)], NOW).scorePpm).toBe(555_555);
  });

  it("weighs a no-show as three losses: 1/(2 + 3) = 0.2", () => {
    expect(reputationFromEvents([at("noShow", 0n)], NOW).scorePpm).toBe(200_000);
  });

  it("lets one slash undo ten completions: 11/22 = 0.5", () => {
    const events = [...Array.from({ length: 10 }, () => at("leaseCompleted", 0n)), at("slashed", 0n)];
    expect(reputationFromEvents(events, NOW).scorePpm).toBe(500_000);
  });

  it("mixes kinds and ages: 3 completions now, a no-show 7 d ago, a valid spot check 14 d ago", () => {
    // gains 3 + 2·0.25 = 3.5, losses 3·0.5 = 1.5: (1 + 3.5)/(2 + 3.5 + 1.5) = 4.5/7 = 0.642857…
    const events = [
      at("leaseCompleted", 0n),
      at("leaseCompleted", 0n),
      at("leaseCompleted", 0n),
      at("noShow", 7n),
      at("spotCheckValid", 14n),
    ];
    const r = reputationFromEvents(events, NOW);
    expect(r.scorePpm).toBe(642_857);
    expect(r.counts).toMatchObject({ leaseCompleted: 3, noShow: 1, spotCheckValid: 1, slashed: 0 });
  });

  it("weighs an attestation 3.5 days old by 2^-1/2: (1 + 2·0.7071…)/(2 + 2·0.7071…)", () => {
    const w = 707106781186547524n;
    const expected = Number(((WEIGHT_SCALE + 2n * w) * 1_000_000n) / (2n * WEIGHT_SCALE + 2n * w));
    const r = reputationFromEvents([{ kind: "attested", at: NOW - (7n * DAY) / 2n }], NOW);
    expect(r.scorePpm).toBe(expected);
    expect(r.scorePpm).toBe(707_106);
  });

  it("stays within [0, 1]", () => {
    const bad = Array.from({ length: 1000 }, () => at("spotCheckInvalid", 0n));
    const good = Array.from({ length: 1000 }, () => at("spotCheckValid", 0n));
    expect(reputationFromEvents(bad, NOW).score).toBeGreaterThanOrEqual(0);
    expect(reputationFromEvents(bad, NOW).score).toBeLessThan(0.001);
    expect(reputationFromEvents(good, NOW).score).toBeLessThanOrEqual(1);
    expect(reputationFromEvents(good, NOW).score).toBeGreaterThan(0.999);
  });

  it("refuses an unknown kind by name", () => {
    expect(() => reputationFromEvents([{ kind: "bribe" as never, at: NOW }], NOW)).toThrow(/"bribe"/);
  });
});
