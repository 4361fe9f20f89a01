// Units and encodings shared by every OCX tool: prices, durations and short on-chain labels.
import { formatEther, type Hex, hexToString, stringToHex } from "viem";
import { OcxUsageError } from "./errors.js";

/**
 * Seconds in an hour: on-chain prices are per second, people read them per hour.
 * @example
 * const perHour = pricePerSecond * SECONDS_PER_HOUR;
 */
export const SECONDS_PER_HOUR = 3600n;

/**
 * Converts a price per hour into the per-second price the contracts use, rounding down
 * (in the buyer's favour).
 * @example
 * perHourToPerSecond(parseEther("3.6")) // 1_000_000_000_000_000n (0.001 OCX per second)
 */
export function perHourToPerSecond(perHour: bigint): bigint {
  return perHour / SECONDS_PER_HOUR;
}

/**
 * Converts an on-chain per-second price to a price per hour (exact).
 * @example
 * perSecondToPerHour(10n ** 15n) // 3_600_000_000_000_000_000n (3.6 OCX)
 */
export function perSecondToPerHour(perSecond: bigint): bigint {
  return perSecond * SECONDS_PER_HOUR;
}

/**
 * The price per GPU-hour of a bundle priced per second (per hour for a CPU-only bundle), exact.
 * @example
 * pricePerGpuHour(10n ** 15n, 2) // 1_800_000_000_000_000_000n (1.8 OCX per GPU-hour)
 */
export function pricePerGpuHour(pricePerSecond: bigint, gpuCount: number): bigint {
  return perSecondToPerHour(pricePerSecond) / BigInt(Math.max(gpuCount, 1));
}

/**
 * An amount in wei as OCX for people, rounded down to at most `decimals` places (default 6), without
 * trailing zeros; `unit: false` leaves out " OCX".
 * @example
 * formatOcx(2_500_000_000_000_000_000n) // "2.5 OCX"
 * formatOcx(1n) // "<0.000001 OCX"
 */
export function formatOcx(wei: bigint, options: { decimals?: number; unit?: boolean } = {}): string {
  const decimals = options.decimals ?? 6;
  const step = 10n ** BigInt(18 - decimals);
  const sign = wei < 0n ? "-" : "";
  const magnitude = wei < 0n ? -wei : wei;
  // A tiny non-zero amount reads "<0.000001" rather than a misleading 0.
  const text =
    magnitude > 0n && magnitude < step ? `<${formatEther(step)}` : `${sign}${formatEther((magnitude / step) * step)}`;
  return options.unit === false ? text : `${text} OCX`;
}

/**
 * MiB for people, as the largest whole unit that reads well (`formatSize` writes the manifest's "80Gi" form).
 * @example
 * formatMiB(81920) // "80 GiB"
 * formatMiB(1536) // "1.5 GiB"
 */
export function formatMiB(mib: number): string {
  if (mib >= 1024 && mib % 1024 === 0) return `${mib / 1024} GiB`;
  if (mib >= 1024) return `${(mib / 1024).toFixed(1)} GiB`;
  return `${mib} MiB`;
}

/**
 * Thrown when a label does not fit the 31 ASCII characters of a bytes32 label (a usage error, exit 2).
 * @example
 * try { toLabel("a".repeat(40)) } catch (e) { if (e instanceof LabelError) console.error(e.shortMessage) }
 */
export class LabelError extends OcxUsageError {
  override name = "LabelError";
}

/**
 * Encodes a short ASCII label (a GPU model id or region, at most 31 characters) as the
 * left-aligned bytes32 the contracts store. The empty string encodes to zero, meaning "any".
 * @example
 * toLabel("eu-west") // "0x65752d77657374000000…"
 */
export function toLabel(label: string): Hex {
  if (!/^[\x20-\x7e]{0,31}$/.test(label)) {
    throw new LabelError(`label "${label}" must be at most 31 printable ASCII characters`);
  }
  return stringToHex(label, { size: 32 });
}

/**
 * Decodes a bytes32 label written by `toLabel`.
 * @example
 * fromLabel(toLabel("nvidia-h100-80gb")) // "nvidia-h100-80gb"
 */
export function fromLabel(label: Hex): string {
  let text = decodedLabels.get(label);
  if (text === undefined) {
    text = hexToString(label, { size: 32 }).replace(/\0+$/, "");
    // A market has few distinct labels (models, regions) read thousands of times: keep them, within a bound.
    if (decodedLabels.size >= 4096) decodedLabels.clear();
    decodedLabels.set(label, text);
  }
  return text;
}

const decodedLabels = new Map<Hex, string>();
