import { parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { fromLabel, LabelError, perHourToPerSecond, perSecondToPerHour, toLabel } from "./units.js";

describe("prices", () => {
  it("converts per hour to per second rounding down, and back exactly", () => {
    expect(perHourToPerSecond(parseEther("3.6"))).toBe(10n ** 15n);
    expect(perHourToPerSecond(3599n)).toBe(0n);
    expect(perSecondToPerHour(10n ** 15n)).toBe(parseEther("3.6"));
  });
});

describe("labels", () => {
  it("round-trips model ids and regions through bytes32", () => {
    expect(fromLabel(toLabel("nvidia-h100-80gb"))).toBe("nvidia-h100-80gb");
    expect(toLabel("")).toBe(`0x${"00".repeat(32)}`);
  });
  it("rejects labels that do not fit", () => {
    expect(() => toLabel("x".repeat(32))).toThrow(LabelError);
    expect(() => toLabel("café")).toThrow(/printable ASCII/);
  });
});
