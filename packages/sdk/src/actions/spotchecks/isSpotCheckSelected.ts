// The contract's selection rule, computed locally.
import { createHash } from "node:crypto";

/**
 * Whether a check of `leaseId` opened in a block with hash `seed` at rate `ratePpm` selects the lease: the
 * contract's rule, uint256(sha256(seed ‖ leaseId)) mod 1e6 < ratePpm, computed locally.
 * @example
 * isSpotCheckSelected("0x…", 7n, 1_000_000); // true: at the full rate every lease is checked
 */
export function isSpotCheckSelected(seed: `0x${string}`, leaseId: bigint, ratePpm: number): boolean {
  const hex = seed.slice(2).padStart(64, "0") + leaseId.toString(16).padStart(64, "0");
  const digest = createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex");
  return BigInt(`0x${digest}`) % 1_000_000n < BigInt(ratePpm);
}
