import { parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { formatBytes, formatMiB, formatOcx, pricePerGpuHour, renderTable } from "./format.js";

describe("format", () => {
  it("shows OCX amounts trimmed", () => {
    expect(formatOcx(parseEther("2.5"))).toBe("2.5 OCX");
    expect(formatOcx(0n)).toBe("0 OCX");
    expect(formatOcx(parseEther("1000"), { unit: false })).toBe("1000");
    expect(formatOcx(1n)).toBe("<0.000001 OCX");
    expect(formatOcx(parseEther("0.1234567"))).toBe("0.123456 OCX");
  });

  it("prices per GPU-hour", () => {
    // 0.001 OCX per second for 2 GPUs = 1.8 OCX per GPU-hour.
    expect(pricePerGpuHour(10n ** 15n, 2)).toBe(parseEther("1.8"));
    expect(pricePerGpuHour(10n ** 15n, 0)).toBe(parseEther("3.6"));
  });

  it("shows sizes", () => {
    expect(formatMiB(81920)).toBe("80 GiB");
    expect(formatMiB(1536)).toBe("1.5 GiB");
    expect(formatMiB(512)).toBe("512 MiB");
    expect(formatBytes(12)).toBe("12 B");
    expect(formatBytes(3.5 * 2 ** 20)).toBe("3.5 MiB");
    expect(formatBytes(2 ** 30)).toBe("1 GiB");
  });

  it("aligns table columns", () => {
    const table = renderTable(
      [{ header: "ID", align: "right" }, "MODEL", { header: "PRICE", align: "right" }],
      [
        ["#1", "nvidia-h100-80gb", "2.5"],
        ["#12", "cpu", "0.05"],
      ],
    );
    expect(table.split("\n")).toEqual([
      " ID  MODEL             PRICE",
      " #1  nvidia-h100-80gb    2.5",
      "#12  cpu                0.05",
    ]);
  });
});
