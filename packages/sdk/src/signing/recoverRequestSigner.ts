// The provider's side of request signing: which request is this (its EIP-712 digest, the key that
// makes it single-use), and who signed it?
import { type Address, type Hex, hashTypedData, parseSignature, recoverAddress } from "viem";
import { RequestSignatureError, requestMessage } from "./signRequest.js";
import { requestDomain, requestTypes } from "./typedData.js";

/** The order of secp256k1's group; a signature's `s` must lie in its lower half. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface HashRequestParameters {
  chainId: number;
  marketplace: Address;
  method: string;
  /** The request's path and query string exactly as received. */
  path: string;
  leaseId: bigint;
  /** The sha256 of the body the request claims to carry (`x-ocx-body-sha256`). */
  bodyHash: Hex;
  timestamp: number;
  nonce: `0x${string}`;
}

export interface RecoverRequestSignerParameters extends HashRequestParameters {
  signature: Hex;
}

/**
 * The EIP-712 digest of a request: what its signature signs. It names one request (its random
 * nonce included) whatever the signature's encoding, so a provider refuses replays by it.
 * @example
 * const digest = hashRequest({ chainId, marketplace, method: "GET", path: "/leases/7", leaseId: 7n,
 *   bodyHash: bodyHash(), timestamp, nonce });
 */
export function hashRequest(parameters: HashRequestParameters): Hex {
  const { chainId, marketplace, leaseId, bodyHash, timestamp } = parameters;
  return hashTypedData({
    domain: requestDomain(chainId, marketplace),
    types: requestTypes,
    primaryType: "Request",
    message: { ...requestMessage(parameters.method, parameters.path, leaseId, timestamp, parameters.nonce), bodyHash },
  });
}

/**
 * Throws `RequestSignatureError` unless `signature` is 65 bytes in canonical form: `s` in the
 * lower half of the curve's order (EIP-2), `v` one of 27, 28, 0, 1. The mirror image (r, n − s)
 * of a signature recovers the same signer, so without this rule one signature had two encodings.
 * @example
 * assertCanonicalSignature(headers["x-ocx-signature"]); // throws for a high-s signature
 */
export function assertCanonicalSignature(signature: Hex): void {
  let parsed: ReturnType<typeof parseSignature>;
  try {
    parsed = parseSignature(signature);
  } catch (error) {
    throw new RequestSignatureError(`the signature cannot be parsed: ${(error as Error).message.split("\n")[0]}`);
  }
  if (BigInt(parsed.s) > SECP256K1_N / 2n) {
    throw new RequestSignatureError(
      `the signature's s value is in the upper half of the curve order (a malleable, non-canonical encoding): sign again with a standard EIP-712 signer`,
    );
  }
  const v = parsed.v ?? BigInt(parsed.yParity);
  if (![0n, 1n, 27n, 28n].includes(v)) {
    throw new RequestSignatureError(`the signature's v value must be 27, 28, 0 or 1, got ${v}`);
  }
}

/**
 * Recovers the address that signed a request, refusing non-canonical (high-s) signatures. Any
 * change to the method, path, lease, body hash, time or nonce gives a different address, so
 * compare it with the address the request claims (`x-ocx-signer`), then with the lease's buyer.
 * @example
 * const h = readRequestHeaders(request.headers);
 * const signer = await recoverRequestSigner({
 *   chainId, marketplace, method: request.method, path: url.pathname + url.search,
 *   leaseId: h.leaseId, bodyHash: h.bodyHash, timestamp: h.timestamp, nonce: h.nonce, signature: h.signature,
 * });
 * if (!isAddressEqual(signer, h.signer)) throw new HTTPException(401);
 */
export async function recoverRequestSigner(parameters: RecoverRequestSignerParameters): Promise<Address> {
  assertCanonicalSignature(parameters.signature);
  return recoverAddress({ hash: hashRequest(parameters), signature: parameters.signature });
}
