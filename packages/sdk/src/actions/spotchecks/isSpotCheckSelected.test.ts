import { encodePacked, keccak256, sha256, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { isSpotCheckSelected } from "./isSpotCheckSelected.js";

describe("isSpotCheckSelected", () => {
  it("is the contract's rule: uint256(sha256(seed ‖ leaseId)) mod 1e6 < rate", () => {
    for (let i = 0n; i < 50n; i++) {
      const seed = keccak256(stringToHex(`block ${i}`));
      const draw = BigInt(sha256(encodePacked(["bytes32", "uint256"], [seed, i * 7919n]))) % 1_000_000n;
      expect(isSpotCheckSelected(seed, i * 7919n, Number(draw) + 1)).toBe(true);
      expect(isSpotCheckSelected(seed, i * 7919n, Number(draw))).toBe(false);
    }
  });

  it("selects every lease at the full rate and none at 0", () => {
    const seed = keccak256(stringToHex("any"));
    expect(isSpotCheckSelected(seed, 1n, 1_000_000)).toBe(true);
    expect(isSpotCheckSelected(seed, 1n, 0)).toBe(false);
  });
});
