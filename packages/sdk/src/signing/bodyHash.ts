// The hash that binds a signature to a request body.
import { createHash } from "node:crypto";
import type { Hex } from "viem";

/**
 * sha256 of the raw body bytes as 0x-hex; a string is hashed as its UTF-8 bytes, and no body
 * hashes like an empty one.
 * @example
 * bodyHash() // "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 * bodyHash('{"a":1}') === bodyHash(new TextEncoder().encode('{"a":1}')) // true
 */
export function bodyHash(body: Uint8Array | string = new Uint8Array()): Hex {
  return `0x${createHash("sha256").update(body).digest("hex")}`;
}
