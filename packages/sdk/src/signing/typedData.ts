// The EIP-712 domains and types of the provider API: what a buyer signs for each request, what
// the provider signs for each answer, and the HTTP headers that carry both.
import type { Address, TypedDataDomain } from "viem";

/** Header with the lease id, in decimal (0 for requests about no lease, such as quotes). */
export const OCX_LEASE_HEADER = "x-ocx-lease";
/** Header with the signing time, in unix seconds. */
export const OCX_TIMESTAMP_HEADER = "x-ocx-timestamp";
/** Header with the request's nonce: 16 random bytes, 0x-hex, so that no two requests share a signature. */
export const OCX_NONCE_HEADER = "x-ocx-nonce";
/** Header with the EIP-712 signature, 0x-hex. */
export const OCX_SIGNATURE_HEADER = "x-ocx-signature";
/**
 * Header with the sha256 of the request body the signature covers, 0x-hex. Sent so the provider
 * can check the signature before it reads a single body byte, then the body against this hash.
 */
export const OCX_BODY_HASH_HEADER = "x-ocx-body-sha256";
/**
 * Header with the address that claims to have signed. A signature that does not recover to it is
 * a bad signature (401), told apart from a good signature by someone who is not the buyer (403).
 */
export const OCX_SIGNER_HEADER = "x-ocx-signer";

/** The headers `signRequest` returns, to send with the request (a plain record, so fetch takes it as is). */
export type RequestHeaders = {
  [OCX_LEASE_HEADER]: string;
  [OCX_TIMESTAMP_HEADER]: string;
  [OCX_NONCE_HEADER]: `0x${string}`;
  [OCX_BODY_HASH_HEADER]: `0x${string}`;
  [OCX_SIGNER_HEADER]: Address;
  [OCX_SIGNATURE_HEADER]: `0x${string}`;
};

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

/** Header with the provider's EIP-712 signature of its answer, 0x-hex. */
export const OCX_ANSWER_SIGNATURE_HEADER = "x-ocx-answer-signature";
/** Header with the sha256 of the answer's body (for results: of the archive), 0x-hex. */
export const OCX_ANSWER_SHA256_HEADER = "x-ocx-answer-sha256";
/** Header with the time the provider signed its answer, in unix seconds. */
export const OCX_ANSWER_TIMESTAMP_HEADER = "x-ocx-answer-timestamp";

/** The headers `signAnswer` returns, to send with an answer. */
export type AnswerHeaders = {
  [OCX_ANSWER_SIGNATURE_HEADER]: `0x${string}`;
  [OCX_ANSWER_SHA256_HEADER]: `0x${string}`;
  [OCX_ANSWER_TIMESTAMP_HEADER]: string;
};

/** The EIP-712 types of a provider's signed answer. */
export const answerTypes = {
  Answer: [
    { name: "leaseId", type: "uint256" },
    { name: "route", type: "string" },
    { name: "bodySha256", type: "bytes32" },
    { name: "timestamp", type: "uint64" },
  ],
} as const;

/**
 * The EIP-712 domain of a provider's answers on one chain.
 * @example
 * answerDomain(31337); // { name: "OCX Provider API", version: "1", chainId: 31337 }
 */
export function answerDomain(chainId: number): TypedDataDomain {
  return { name: "OCX Provider API", version: "1", chainId };
}
