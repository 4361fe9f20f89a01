// How `ocx` shows things to people: byte counts, cores, times relative to now, and plain aligned
// columns that survive copy-paste. OCX amounts and prices are formatted by the SDK (`formatOcx`).

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

/**
 * An amount of compute credits (18 decimals, 1e18 = $1) in dollars, rounded down to 6 decimals and shown with at
 * least cents: "$495.00", "$0.0015", "<$0.000001" for a tiny non-zero amount.
 * @example
 * formatUsd(8_640_000_000_000_000_000n) // "$8.64"
 */
export function formatUsd(wei: bigint): string {
  const sign = wei < 0n ? "-" : "";
  const magnitude = wei < 0n ? -wei : wei;
  const micros = magnitude / 10n ** 12n; // rounded down to $0.000001
  if (magnitude > 0n && micros === 0n) return `${sign}<$0.000001`;
  const whole = micros / 1_000_000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}$${whole}.${fraction}`;
}

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
