import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatSize,
  parseCpu,
  parseDuration,
  parseOcxAmount,
  parseSize,
  QuantityError,
} from "./quantities.js";

describe("parseSize", () => {
  it("reads binary and decimal units into MiB, rounding up", () => {
    expect(parseSize("512Mi")).toBe(512);
    expect(parseSize("4Gi")).toBe(4096);
    expect(parseSize("1.5Gi")).toBe(1536);
    expect(parseSize("1Ti")).toBe(1 << 20);
    expect(parseSize("1G")).toBe(954);
    expect(parseSize("1Ki")).toBe(1);
    expect(parseSize(2048)).toBe(2048);
    expect(parseSize(1_000_000_000, { bareNumber: "bytes" })).toBe(954);
  });
  it("refuses sizes without a unit, with unknown units, or negative", () => {
    expect(() => parseSize("1024")).toThrow(/needs a unit/);
    expect(() => parseSize("4GB")).toThrow(/unknown unit "GB"/);
    expect(() => parseSize(-1)).toThrow(QuantityError);
    expect(() => parseSize(true)).toThrow(QuantityError);
  });
  it("writes sizes back the short way", () => {
    expect(formatSize(4096)).toBe("4Gi");
    expect(formatSize(1536)).toBe("1536Mi");
    expect(formatSize(2 << 20)).toBe("2Ti");
  });
});

describe("parseCpu", () => {
  it("reads cores and millicores", () => {
    expect(parseCpu(0.5)).toBe(500);
    expect(parseCpu("2")).toBe(2000);
    expect(parseCpu("250m")).toBe(250);
    expect(parseCpu(0.001)).toBe(1);
  });
  it("refuses finer than a millicore", () => {
    expect(() => parseCpu(0.0005)).toThrow(/0.001 cores/);
    expect(() => parseCpu("two")).toThrow(QuantityError);
  });
});

describe("parseDuration", () => {
  it("reads unit strings and seconds", () => {
    expect(parseDuration("30s")).toBe(30);
    expect(parseDuration("10m")).toBe(600);
    expect(parseDuration("2h")).toBe(7200);
    expect(parseDuration("1d")).toBe(86_400);
    expect(parseDuration("1h30m")).toBe(5400);
    expect(parseDuration(90)).toBe(90);
    expect(parseDuration("90")).toBe(90);
  });
  it("refuses other forms", () => {
    for (const bad of ["", "1.5h", "30m1h", "1w", -5, 1.5, "h"])
      expect(() => parseDuration(bad)).toThrow(QuantityError);
  });
  it("writes durations back", () => {
    expect(formatDuration(5400)).toBe("1h30m");
    expect(formatDuration(30 * 86_400)).toBe("30d");
    expect(formatDuration(61)).toBe("1m1s");
  });
});

describe("parseOcxAmount", () => {
  it("reads decimal amounts into wei exactly", () => {
    expect(parseOcxAmount("2.5")).toBe(2_500_000_000_000_000_000n);
    expect(parseOcxAmount("0.000000000000000001")).toBe(1n);
    expect(parseOcxAmount(3)).toBe(3n * 10n ** 18n);
    expect(parseOcxAmount(0.25)).toBe(25n * 10n ** 16n);
  });
  it("refuses more than 18 decimals, negative amounts, and numbers that may have lost digits", () => {
    expect(() => parseOcxAmount("0.0000000000000000001")).toThrow(/18 decimals/);
    expect(() => parseOcxAmount("-1")).toThrow(QuantityError);
    expect(() => parseOcxAmount(0.1234567890123456)).toThrow(/in quotes/);
    expect(() => parseOcxAmount("1e3")).toThrow(QuantityError);
  });
});
