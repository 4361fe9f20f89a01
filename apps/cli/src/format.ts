// How `ocx` shows things to people: byte counts, cores, times relative to now, plain aligned columns that survive
// copy-paste, and money: the market's payment token in dollars (credits) or OCX (a deployment without credits).
import { type Deployment, formatOcx, formatUsd } from "@ocx/sdk";
import { isAddressEqual } from "viem";

/** A byte count for people: "812 B", "3.4 MiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1).replace(/\.0$/, "")} ${units[unit]}`;
}

/** Millicores as cores: 2500 → "2.5". */
export function formatCores(millicores: number): string {
  return String(millicores / 1000);
}

/** Seconds until (or since) a unix time, for people: "in 4m10s", "3m ago". */
export function formatRelative(unixSeconds: number, now = Math.floor(Date.now() / 1000)): string {
  const delta = unixSeconds - now;
  const span = formatSpan(Math.abs(delta));
  return delta >= 0 ? `in ${span}` : `${span} ago`;
}

function formatSpan(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60 ? `${seconds % 60}s` : ""}`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}

/** A column of a table: its heading and whether numbers in it line up on the right. */
export interface Column {
  header: string;
  align?: "left" | "right";
}

/**
 * Renders rows as aligned columns separated by two spaces, with a header line.
 * @example
 * renderTable([{ header: "ID", align: "right" }, { header: "MODEL" }], [["1", "nvidia-h100-80gb"]])
 * // " ID  MODEL\n  1  nvidia-h100-80gb"
 */
export function renderTable(columns: (Column | string)[], rows: string[][]): string {
  const cols = columns.map((c) => (typeof c === "string" ? { header: c } : c));
  const widths = cols.map((c, i) => Math.max(c.header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cols
      .map((c, i) => {
        const cell = cells[i] ?? "";
        const width = widths[i] ?? 0;
        return c.align === "right" ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(cols.map((c) => c.header)), ...rows.map(line)].join("\n");
}

/** How a workload ended, as the provider reports it. */
export interface WorkloadEnd {
  exitCode: number | null;
  oomKilled?: boolean;
  /** Why the sandbox ended it, when it did: "memory-limit", "disk-limit", "timeout", … */
  reason?: string | null;
}

/** Exit code of a process ended by SIGKILL (128 + 9), which is how limits end a workload. */
const KILLED = 137;

const KILL_REASONS: Record<string, string> = {
  "memory-limit": "its memory limit",
  "disk-limit": "its disk limit",
  "log-limit": "its log limit",
  timeout: "its maximum duration",
  exhausted: "its escrow",
};

/**
 * The exit code a finished job stands for, and a line saying how it ended. A job a limit killed exits 137, whatever
 * the provider recorded, so scripts never see a killed job as a success.
 * @example
 * describeExit({ exitCode: 0, oomKilled: true })
 * // { exitCode: 137, text: "killed for exceeding its memory limit (exit code 137)" }
 */
export function describeExit(end: WorkloadEnd): { exitCode: number; text: string } {
  const reason = end.oomKilled ? "memory-limit" : (end.reason ?? undefined);
  const limit = reason === undefined ? undefined : KILL_REASONS[reason];
  if (limit) {
    const exitCode = end.exitCode !== null && end.exitCode > 128 ? end.exitCode : KILLED;
    const verb = reason === "timeout" || reason === "exhausted" ? "stopped at the end of" : "killed for exceeding";
    return { exitCode, text: `${verb} ${limit} (exit code ${exitCode})` };
  }
  if (end.exitCode === null || end.exitCode < 0) {
    return { exitCode: 1, text: "ended without an exit code (the provider lost the workload)" };
  }
  return { exitCode: end.exitCode, text: `exit code ${end.exitCode}` };
}

/** Dollars of credits for people (the SDK's `formatUsd`, rounded down): "$8.64". */
export { formatUsd };

/**
 * A price per second for a bundle of `gpuCount` GPUs as dollars per GPU-hour. `usdPerUnit` converts the price's
 * token to dollars: omitted for credits ($1 each); for OCX, the oracle's price and its decimals. Rounded down.
 * @example
 * formatUsdPerGpuHour(100_000_000_000_000n, 1) // "$0.36/GPU-h" (credits)
 * formatUsdPerGpuHour(100_000_000_000_000n, 1, { price: 50_000_000n, decimals: 8 }) // "$0.18/GPU-h" (OCX at $0.50)
 */
export function formatUsdPerGpuHour(
  pricePerSecond: bigint,
  gpuCount: number,
  usdPerUnit?: { price: bigint; decimals: number },
): string {
  const perHour = pricePerSecond * 3600n;
  const usd = usdPerUnit ? (perHour * usdPerUnit.price) / 10n ** BigInt(usdPerUnit.decimals) : perHour;
  return `${formatUsd(usd / BigInt(Math.max(1, gpuCount)))}/GPU-h`;
}

/** What the money formatters read of a deployment: which token the market settles in. */
export type PaymentDeployment = Pick<Deployment, "token" | "paymentToken">;

/** Whether the market settles in credits ($1 each) rather than OCX. */
export function settlesInCredits(deployment: PaymentDeployment): boolean {
  return !isAddressEqual(deployment.paymentToken, deployment.token);
}

/**
 * An amount of the market's payment token (deposits, bills, fees, earnings) for people: dollars when the market
 * settles in credits, OCX otherwise. Rounded down (see `formatUsd`, `formatOcx`).
 * @example
 * formatPayment(12_300_000_000_000_000n, deployment) // "$0.0123" (credits), "0.0123 OCX" (OCX)
 */
export function formatPayment(wei: bigint, deployment: PaymentDeployment): string {
  return settlesInCredits(deployment) ? formatUsd(wei) : formatOcx(wei);
}

/**
 * A price per second of a `gpuCount`-GPU bundle as the market's unit per GPU-hour: "$1.08/GPU-h" in credits,
 * "2.16 OCX/GPU-h" in OCX. Rounded down.
 * @example
 * formatPricePerGpuHour(300_000_000_000_000n, 1, deployment) // "$1.08/GPU-h"
 */
export function formatPricePerGpuHour(pricePerSecond: bigint, gpuCount: number, deployment: PaymentDeployment): string {
  if (settlesInCredits(deployment)) return formatUsdPerGpuHour(pricePerSecond, gpuCount);
  return `${formatOcx((pricePerSecond * 3600n) / BigInt(Math.max(1, gpuCount)))}/GPU-h`;
}

/** The market's unit in words for option help and messages: "dollars (credits)" or "OCX". */
export function paymentUnit(deployment: PaymentDeployment): string {
  return settlesInCredits(deployment) ? "$ (credits)" : "OCX";
}

/** A lease's bill as `billLease` reads it from the chain (wei of the payment token). */
export interface BillView {
  pricePerSecond: bigint;
  seconds: bigint;
  paid: bigint;
  fee: bigint;
  refund: bigint;
}

/**
 * A lease's bill for people and for `--json`: "$0.0123 for 41 s at $1.08/GPU-h (fee $0.0003, burned in credits);
 * refund $1.1877". The fee is what the Marketplace keeps (paid × feeBps ÷ 10,000, rounded down per settlement); it
 * burns it in the payment token (Transfer to the zero address) when its fee pool is flushed. The JSON carries the
 * exact integers as strings (wei, 18 decimals) and the rounded figures shown.
 * @example
 * describeBill({ pricePerSecond: 300_000_000_000_000n, seconds: 41n, paid: 12_300_000_000_000_000n, … }, 1, deployment).text
 */
export function describeBill(
  bill: BillView,
  gpuCount: number,
  deployment: PaymentDeployment,
): { text: string; json: Record<string, string> } {
  const money = (wei: bigint) => formatPayment(wei, deployment);
  const price = formatPricePerGpuHour(bill.pricePerSecond, gpuCount, deployment);
  const burned = settlesInCredits(deployment) ? "burned in credits" : "burned in OCX";
  return {
    text: `${money(bill.paid)} for ${bill.seconds} s at ${price} (fee ${money(bill.fee)}, ${burned}); refund ${money(bill.refund)}`,
    json: {
      token: deployment.paymentToken,
      unit: settlesInCredits(deployment) ? "usd" : "ocx",
      paid: bill.paid.toString(),
      fee: bill.fee.toString(),
      toProvider: (bill.paid - bill.fee).toString(),
      refund: bill.refund.toString(),
      pricePerSecond: bill.pricePerSecond.toString(),
      seconds: bill.seconds.toString(),
      paidShown: money(bill.paid),
      feeShown: money(bill.fee),
      refundShown: money(bill.refund),
      pricePerGpuHourShown: price,
    },
  };
}
