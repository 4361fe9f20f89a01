// Byte helpers and the one hash of the proof protocol: SHA-256, native in Node, in Python's
// standard library (the GPU host has no PyPI) and a precompile (0x02) on every EVM chain.
import { createHash } from "node:crypto";

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

/**
 * SHA-256 of the concatenation of `parts`.
 *
 * @example
 * sha256(new TextEncoder().encode("abc")); // Uint8Array(32) ba7816bf…
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/**
 * Big-endian 4-byte encoding of an unsigned 32-bit integer (Solidity's `uint32` in encodePacked).
 *
 * @example
 * uint32be(1); // Uint8Array [0, 0, 0, 1]
 */
export function uint32be(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`uint32be: ${value} is not an integer in [0, 2^32 - 1]`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

/**
 * Lower-case 0x-hex of bytes.
 *
 * @example
 * toHex(new Uint8Array([1, 255])); // "0x01ff"
 */
export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/**
 * Bytes of a 0x-hex string; throws a RangeError naming `what` when it is not hex of the expected length.
 *
 * @example
 * fromHex("0x01ff", 2, "row"); // Uint8Array [1, 255]
 */
export function fromHex(hex: string, expectedBytes: number | undefined, what: string): Uint8Array {
  // Buffer stops at the first non-hex pair, so a short result means the text was not all hex.
  const bytes =
    typeof hex === "string" && hex.startsWith("0x") && hex.length % 2 === 0
      ? new Uint8Array(Buffer.from(hex.slice(2), "hex"))
      : undefined;
  if (bytes === undefined || bytes.length * 2 !== hex.length - 2) {
    throw new RangeError(`${what} is not 0x-prefixed hex with whole bytes: ${String(hex).slice(0, 80)}`);
  }
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) {
    throw new RangeError(`${what} has ${bytes.length} bytes, expected ${expectedBytes}`);
  }
  return bytes;
}

/**
 * Concatenation of byte arrays.
 *
 * @example
 * concatBytes(Uint8Array.of(1), Uint8Array.of(2, 3)); // Uint8Array [1, 2, 3]
 */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * True when both arrays hold the same bytes.
 *
 * @example
 * bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)); // true
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
