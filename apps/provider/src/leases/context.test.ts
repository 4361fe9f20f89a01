// The paid-until time the escrow watch enforces: settledAt + ceil(escrow / price), exact in bigints.
import { describe, expect, it } from "vitest";
import { paidUntilOf } from "./context.js";

describe("paidUntilOf", () => {
  it("pays a started second: rounds the escrow's seconds up", () => {
    expect(paidUntilOf({ settledAt: 1_000, escrow: 10n, pricePerSecond: 3n })).toBe(1_004);
    expect(paidUntilOf({ settledAt: 1_000, escrow: 9n, pricePerSecond: 3n })).toBe(1_003);
    expect(paidUntilOf({ settledAt: 1_000, escrow: 1n, pricePerSecond: 10n ** 18n })).toBe(1_001);
  });

  it("is the settlement time itself once the escrow is empty", () => {
    expect(paidUntilOf({ settledAt: 1_000, escrow: 0n, pricePerSecond: 3n })).toBe(1_000);
  });

  it("stays exact for 18-decimal amounts far beyond 2^53", () => {
    const price = 277_777_777_777_777n; // 1 OCX per hour
    expect(paidUntilOf({ settledAt: 1_700_000_000, escrow: price * 86_400n * 365n, pricePerSecond: price })).toBe(
      1_700_000_000 + 86_400 * 365,
    );
  });
});
