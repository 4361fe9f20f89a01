// Sizes, CPU shares and durations as people write them ("4Gi", "500m", "1h30m"), turned into the
// integers the manifest stores: MiB, millicores and seconds.
import { parseEther } from "viem";

/** Thrown when a size, CPU amount or duration cannot be read. The message says what is allowed. */
export class QuantityError extends Error {
  override name = "QuantityError";
}

const MIB = 1n << 20n;

const SIZE_UNITS: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  k: 10n ** 3n,
  K: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  P: 10n ** 15n,
};

/** Reads "12", "0.5" or "1.25" as an exact fraction `digits / 10^scale`. */
function decimal(text: string): { digits: bigint; scale: bigint } | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined;
  const fraction = match[2] ?? "";
  return { digits: BigInt(match[1] + fraction), scale: 10n ** BigInt(fraction.length) };
}

/** Shows a number as its shortest decimal, or undefined when that is not a plain decimal (1e-7, NaN). */
function numberText(value: number): string | undefined {
  const text = String(value);
  return /^\d+(\.\d+)?$/.test(text) ? text : undefined;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/**
 * Reads a size and returns it in MiB, rounded up. Strings take a unit: binary `Ki Mi Gi Ti Pi`
 * or decimal `k M G T P`; a number means MiB (or bytes with `{ bareNumber: "bytes" }`, the
 * Kubernetes and Akash convention).
 * @example
 * parseSize("4Gi") // 4096
 * parseSize("1.5Gi") // 1536
 * parseSize(512) // 512
 * parseSize("1G") // 954 (10^9 bytes, rounded up to whole MiB)
 */
export function parseSize(value: unknown, options: { bareNumber?: "MiB" | "bytes" } = {}): number {
  const bare = options.bareNumber ?? "MiB";
  const allowed =
    bare === "MiB"
      ? 'must be a size like "512Mi", "4Gi" or "1.5Ti", or a number of MiB'
      : 'must be a size like "512Mi", "4Gi" or "1.5Ti", or a number of bytes';
  let amount: { digits: bigint; scale: bigint } | undefined;
  let unit: bigint;
  if (typeof value === "number") {
    const text = numberText(value);
    amount = text === undefined ? undefined : decimal(text);
    unit = bare === "MiB" ? MIB : 1n;
  } else if (typeof value === "string") {
    const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value.trim());
    amount = match ? decimal(match[1] as string) : undefined;
    const suffix = match?.[2] ?? "";
    if (suffix === "") {
      // "1024" alone is ambiguous between bytes and MiB in people's heads; ask for a unit.
      throw new QuantityError(`${allowed}; a size in quotes needs a unit`);
    }
    const factor = SIZE_UNITS[suffix];
    if (factor === undefined) throw new QuantityError(`${allowed}; unknown unit "${suffix}"`);
    unit = factor;
  } else {
    throw new QuantityError(allowed);
  }
  if (amount === undefined) throw new QuantityError(allowed);
  const mib = ceilDiv(amount.digits * unit, amount.scale * MIB);
  if (mib > BigInt(Number.MAX_SAFE_INTEGER)) throw new QuantityError(`${allowed}; this one is far too large`);
  return Number(mib);
}

/**
 * Writes a size in MiB the short way: whole TiB or GiB when it divides evenly, else MiB.
 * @example
 * formatSize(4096) // "4Gi"
 * formatSize(1536) // "1536Mi"
 */
export function formatSize(mib: number): string {
  if (mib > 0 && mib % (1 << 20) === 0) return `${mib / (1 << 20)}Ti`;
  if (mib > 0 && mib % 1024 === 0) return `${mib / 1024}Gi`;
  return `${mib}Mi`;
}

/**
 * Reads a CPU amount in cores (a number or a decimal string: 0.5, "2") or in millicores
 * ("500m") and returns millicores. Finer than a millicore is an error.
 * @example
 * parseCpu(0.5) // 500
 * parseCpu("250m") // 250
 * parseCpu(2) // 2000
 */
export function parseCpu(value: unknown): number {
  const allowed = 'must be a number of cores like 0.5 or 2, or millicores like "500m"';
  let text: string | undefined;
  if (typeof value === "number") text = numberText(value);
  else if (typeof value === "string") text = value.trim();
  if (text === undefined) throw new QuantityError(allowed);
  const milli = /^(\d+)m$/.exec(text);
  if (milli) return Number(milli[1]);
  const cores = decimal(text);
  if (cores === undefined) throw new QuantityError(allowed);
  const millicores = cores.digits * 1000n;
  if (millicores % cores.scale !== 0n) throw new QuantityError(`${allowed}; the smallest step is 0.001 cores`);
  return Number(millicores / cores.scale);
}

const DURATION_UNITS: Record<string, number> = { d: 86_400, h: 3600, m: 60, s: 1 };

/**
 * Reads a duration and returns whole seconds. Strings combine `d h m s` parts in that order
 * ("30s", "10m", "2h", "1h30m", "1d"); a number means seconds.
 * @example
 * parseDuration("1h30m") // 5400
 * parseDuration(90) // 90
 */
export function parseDuration(value: unknown): number {
  const allowed = 'must be a duration like "30s", "10m", "2h", "1h30m" or "1d", or a whole number of seconds';
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw new QuantityError(allowed);
    return value;
  }
  if (typeof value !== "string") throw new QuantityError(allowed);
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === "") throw new QuantityError(allowed);
  const [, d, h, m, s] = match;
  const parts = { d, h, m, s };
  let seconds = 0;
  for (const [unit, amount] of Object.entries(parts)) {
    if (amount !== undefined) seconds += Number(amount) * (DURATION_UNITS[unit] as number);
  }
  if (!Number.isSafeInteger(seconds)) throw new QuantityError(`${allowed}; this one is far too long`);
  return seconds;
}

/**
 * Writes seconds the short way, in the largest units that divide it.
 * @example
 * formatDuration(5400) // "1h30m"
 * formatDuration(86400) // "1d"
 */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  let rest = seconds;
  let text = "";
  for (const [unit, size] of Object.entries(DURATION_UNITS)) {
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return text;
}

/**
 * Reads an amount of OCX written as a decimal (at most 18 decimals) and returns it in wei.
 * Numbers are accepted only when they carry at most 15 significant digits, so that no
 * rounding could have happened on the way from the text to the number.
 * @example
 * parseOcxAmount("2.5") // 2_500_000_000_000_000_000n
 * parseOcxAmount(3) // 3_000_000_000_000_000_000n
 */
export function parseOcxAmount(value: unknown): bigint {
  const allowed = 'must be an amount of OCX as a decimal string like "2.5" (at most 18 decimals)';
  let text: string | undefined;
  if (typeof value === "string") text = value.trim();
  else if (typeof value === "number") {
    text = numberText(value);
    if (text !== undefined && text.replace(/^[0.]+/, "").replace(".", "").length > 15) {
      throw new QuantityError(`${allowed}; write long amounts in quotes so no digit is lost`);
    }
  }
  const match = text === undefined ? null : /^(\d+)(?:\.(\d{1,18}))?$/.exec(text);
  if (!match) throw new QuantityError(allowed);
  return parseEther(match[0]);
}
