import { describe, expect, it } from "vitest";
import { describeBill, describeExit, formatBytes, formatPayment, renderTable } from "./format.js";

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

describe("money", () => {
  const credits = {
    token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    paymentToken: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
  } as const;
  const ocx = { token: credits.token, paymentToken: credits.token } as const;

  it("shows a bill in dollars on a credits market, with exact wei in the JSON", () => {
    // $1.08/GPU-h = 3e14 wei/s; 41 s = 0.0123e18; fee 2.5 % = $0.0003075, shown rounded down to $0.000307.
    const bill = {
      pricePerSecond: 300_000_000_000_000n,
      seconds: 41n,
      paid: 12_300_000_000_000_000n,
      fee: 307_500_000_000_000n,
      refund: 1_187_700_000_000_000_000n,
    };
    const { text, json } = describeBill(bill, 1, credits);
    expect(text).toBe("$0.0123 for 41 s at $1.08/GPU-h (fee $0.000307, burned in credits); refund $1.1877");
    expect(json).toMatchObject({
      unit: "usd",
      paid: "12300000000000000",
      fee: "307500000000000",
      toProvider: "11992500000000000",
      refund: "1187700000000000000",
      paidShown: "$0.0123",
    });
  });

  it("falls back to OCX on a market without credits", () => {
    expect(formatPayment(2_500_000_000_000_000_000n, ocx)).toBe("2.5 OCX");
    expect(formatPayment(2_500_000_000_000_000_000n, credits)).toBe("$2.50");
  });
});
