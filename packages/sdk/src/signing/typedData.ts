// The EIP-712 domain and type a buyer signs for each request to a provider's API, and the
// HTTP headers that carry the signature.
import type { Address, TypedDataDomain } from "viem";

/** Header with the lease id, in decimal. */
export const OCX_LEASE_HEADER = "x-ocx-lease";
/** Header with the signing time, in unix seconds. */
export const OCX_TIMESTAMP_HEADER = "x-ocx-timestamp";
/** Header with the request's nonce: 16 random bytes, 0x-hex, so that no two requests share a signature. */
export const OCX_NONCE_HEADER = "x-ocx-nonce";
/** Header with the EIP-712 signature, 0x-hex. */
export const OCX_SIGNATURE_HEADER = "x-ocx-signature";

/** The headers `signRequest` returns, to send with the request. */
export interface RequestHeaders {
  [OCX_LEASE_HEADER]: string;
  [OCX_TIMESTAMP_HEADER]: string;
  [OCX_NONCE_HEADER]: `0x${string}`;
  [OCX_SIGNATURE_HEADER]: `0x${string}`;
}

/** The EIP-712 types of a signed request. */
export const requestTypes = {
  Request: [
    { name: "method", type: "string" },
    { name: "path", type: "string" },
    { name: "leaseId", type: "uint256" },
    { name: "bodyHash", type: "bytes32" },
    { name: "timestamp", type: "uint64" },
    { name: "nonce", type: "bytes16" },
  ],
} as const;

/**
 * The EIP-712 domain of the provider API on one deployment: signatures made for one chain or
 * marketplace are worthless on another.
 * @example
 * requestDomain(31337, deployment.marketplace);
 * // { name: "OCX Provider API", version: "1", chainId: 31337, verifyingContract: "0x…" }
 */
export function requestDomain(chainId: number, marketplace: Address): TypedDataDomain {
  return { name: "OCX Provider API", version: "1", chainId, verifyingContract: marketplace };
}
