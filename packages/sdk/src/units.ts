// Units and encodings shared by every OCX tool: prices, durations and short on-chain labels.
import { type Hex, hexToString, stringToHex } from "viem";

/** Seconds in an hour: on-chain prices are per second, people read them per hour. */
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

/** Thrown when a label does not fit the 31 ASCII characters of a bytes32 label. */
export class LabelError extends Error {
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
  return hexToString(label, { size: 32 }).replace(/\0+$/, "");
}
