// A buyer signs each request to a provider with its wallet: method, path, lease, body, time.
import { randomBytes } from "node:crypto";
import type { Address, LocalAccount } from "viem";
import { bodyHash } from "./bodyHash.js";
import {
  OCX_BODY_HASH_HEADER,
  OCX_LEASE_HEADER,
  OCX_NONCE_HEADER,
  OCX_SIGNATURE_HEADER,
  OCX_SIGNER_HEADER,
  OCX_TIMESTAMP_HEADER,
  type RequestHeaders,
  requestDomain,
  requestTypes,
} from "./typedData.js";

/** Thrown when a request cannot be signed or its signature headers cannot be read. */
export class RequestSignatureError extends Error {
  override name = "RequestSignatureError";
}

export interface SignRequestParameters {
  /** The buyer's account: the lease's buyer, or the provider will refuse the request. */
  account: LocalAccount;
  chainId: number;
  /** The marketplace contract of the deployment (the EIP-712 verifying contract). */
  marketplace: Address;
  /** HTTP method; signed in upper case. */
  method: string;
  /** The request's path and query string exactly as sent: `/leases/7/logs?offset=100`. */
  path: string;
  leaseId: bigint;
  /** The raw request body; none signs the hash of an empty body. */
  body?: Uint8Array | string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** 16 bytes, 0x-hex; defaults to random. The provider accepts each signed request once. */
  nonce?: `0x${string}`;
}

export type SignRequestReturnType = RequestHeaders;

/** @internal Checks the parts of a request that both signer and verifier must agree on. */
export function requestMessage(method: string, path: string, leaseId: bigint, timestamp: number, nonce: `0x${string}`) {
  if (!/^0x[0-9a-fA-F]{32}$/.test(nonce)) {
    throw new RequestSignatureError(`nonce must be 16 bytes in 0x-hex, got ${JSON.stringify(nonce)}`);
  }
  if (!/^[A-Za-z]+$/.test(method)) {
    throw new RequestSignatureError(`method must be an HTTP method like "GET", got ${JSON.stringify(method)}`);
  }
  if (!path.startsWith("/")) {
    throw new RequestSignatureError(
      `path must start with "/" (the URL's path and query, not the whole URL), got ${JSON.stringify(path)}`,
    );
  }
  if (leaseId < 0n || leaseId >= 2n ** 256n) {
    throw new RequestSignatureError(`leaseId must be a uint256, got ${leaseId}`);
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RequestSignatureError(`timestamp must be whole unix seconds, got ${timestamp}`);
  }
  return { method: method.toUpperCase(), path, leaseId, timestamp: BigInt(timestamp), nonce };
}

/**
 * Signs a request to a provider's API with EIP-712 and returns the headers to send with it: the
 * signature, what it covers (lease, time, nonce, the body's sha256) and who claims to have signed.
 * @example
 * const body = canonicalManifest(manifest);
 * const headers = await signRequest({
 *   account: privateKeyToAccount(key),
 *   chainId: 31337,
 *   marketplace: deployment.marketplace,
 *   method: "PUT",
 *   path: `/leases/${leaseId}/manifest`,
 *   leaseId,
 *   body,
 * });
 * await fetch(`${endpoint}/leases/${leaseId}/manifest`, { method: "PUT", headers, body });
 */
export async function signRequest(parameters: SignRequestParameters): Promise<SignRequestReturnType> {
  const { account, chainId, marketplace, leaseId, body } = parameters;
  const timestamp = parameters.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = parameters.nonce ?? (`0x${randomBytes(16).toString("hex")}` as const);
  const message = requestMessage(parameters.method, parameters.path, leaseId, timestamp, nonce);
  const hash = bodyHash(body);
  const signature = await account.signTypedData({
    domain: requestDomain(chainId, marketplace),
    types: requestTypes,
    primaryType: "Request",
    message: { ...message, bodyHash: hash },
  });
  return {
    [OCX_LEASE_HEADER]: leaseId.toString(),
    [OCX_TIMESTAMP_HEADER]: timestamp.toString(),
    [OCX_NONCE_HEADER]: nonce,
    [OCX_BODY_HASH_HEADER]: hash,
    [OCX_SIGNER_HEADER]: account.address,
    [OCX_SIGNATURE_HEADER]: signature,
  };
}
