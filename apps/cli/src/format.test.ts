import { describe, expect, it } from "vitest";
import { formatBytes, renderTable } from "./format.js";

describe("format", () => {
  it("shows byte counts", () => {
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
