import { describe, expect, it } from "vitest";
import { describeExit, formatBytes, renderTable } from "./format.js";

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

describe("describeExit", () => {
  it("reports a memory kill as exit code 137, never as 0", () => {
    expect(describeExit({ exitCode: 0, oomKilled: true })).toEqual({
      exitCode: 137,
      text: "killed for exceeding its memory limit (exit code 137)",
    });
    expect(describeExit({ exitCode: 137, oomKilled: true }).text).toBe(
      "killed for exceeding its memory limit (exit code 137)",
    );
  });

  it("names the disk limit when the sandbox reports it", () => {
    expect(describeExit({ exitCode: 137, reason: "disk-limit" }).text).toBe(
      "killed for exceeding its disk limit (exit code 137)",
    );
  });

  it("passes the workload's own exit code through", () => {
    expect(describeExit({ exitCode: 7 })).toEqual({ exitCode: 7, text: "exit code 7" });
    expect(describeExit({ exitCode: null }).exitCode).toBe(1);
  });
});
