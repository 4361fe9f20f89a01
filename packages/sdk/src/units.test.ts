import { parseEther } from "viem";
import { describe, expect, it } from "vitest";
import {
  formatMiB,
  formatOcx,
  fromLabel,
  LabelError,
  perHourToPerSecond,
  perSecondToPerHour,
  pricePerGpuHour,
  toLabel,
} from "./units.js";

describe("prices", () => {
  it("converts per hour to per second rounding down, and back exactly", () => {
    expect(perHourToPerSecond(parseEther("3.6"))).toBe(10n ** 15n);
    expect(perHourToPerSecond(3599n)).toBe(0n);
    expect(perSecondToPerHour(10n ** 15n)).toBe(parseEther("3.6"));
  });

  it("prices per GPU-hour, a CPU bundle per hour", () => {
    // 0.001 OCX per second for 2 GPUs = 1.8 OCX per GPU-hour.
    expect(pricePerGpuHour(10n ** 15n, 2)).toBe(parseEther("1.8"));
    expect(pricePerGpuHour(10n ** 15n, 0)).toBe(parseEther("3.6"));
  });
});

describe("formatting for people", () => {
  it("shows OCX amounts trimmed", () => {
    expect(formatOcx(parseEther("2.5"))).toBe("2.5 OCX");
    expect(formatOcx(0n)).toBe("0 OCX");
    expect(formatOcx(parseEther("1000"), { unit: false })).toBe("1000");
    expect(formatOcx(1n)).toBe("<0.000001 OCX");
    expect(formatOcx(parseEther("0.1234567"))).toBe("0.123456 OCX");
  });

  it("shows MiB in the largest unit that reads well", () => {
    expect(formatMiB(81920)).toBe("80 GiB");
    expect(formatMiB(1536)).toBe("1.5 GiB");
    expect(formatMiB(512)).toBe("512 MiB");
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
