// How `ocx` shows amounts and tables to people: OCX with trimmed decimals, prices per GPU-hour,
// and plain aligned columns that survive copy-paste.
import { perSecondToPerHour } from "@ocx/sdk";
import { formatEther } from "viem";

/**
 * An amount in wei as OCX, rounded down to at most `decimals` places, without trailing zeros.
 * @example
 * formatOcx(2_500_000_000_000_000_000n) // "2.5 OCX"
 */
export function formatOcx(wei: bigint, options: { decimals?: number; unit?: boolean } = {}): string {
  const decimals = options.decimals ?? 6;
  const step = 10n ** BigInt(18 - decimals);
  const sign = wei < 0n ? "-" : "";
  const magnitude = wei < 0n ? -wei : wei;
  // Show tiny non-zero amounts as "<0.000001" rather than a misleading 0.
  const text =
    magnitude > 0n && magnitude < step ? `<${formatEther(step)}` : `${sign}${formatEther((magnitude / step) * step)}`;
  return options.unit === false ? text : `${text} OCX`;
}

/**
 * The price per GPU-hour of a bundle priced per second (per hour for a CPU-only bundle), exact.
 * @example
 * pricePerGpuHour(10n ** 15n, 2) // 1_800_000_000_000_000_000n (1.8 OCX per GPU-hour)
 */
export function pricePerGpuHour(pricePerSecond: bigint, gpuCount: number): bigint {
  return perSecondToPerHour(pricePerSecond) / BigInt(Math.max(gpuCount, 1));
}

/** MiB as the largest whole unit that reads well: "81920 MiB" → "80 GiB". */
export function formatMiB(mib: number): string {
  if (mib >= 1024 && mib % 1024 === 0) return `${mib / 1024} GiB`;
  if (mib >= 1024) return `${(mib / 1024).toFixed(1)} GiB`;
  return `${mib} MiB`;
}

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
