// The provider's side of request signing: who signed this request?
import { type Address, type Hex, recoverTypedDataAddress } from "viem";
import { requestMessage } from "./signRequest.js";
import { requestDomain, requestTypes } from "./typedData.js";

export interface RecoverRequestSignerParameters {
  chainId: number;
  marketplace: Address;
  method: string;
  /** The request's path and query string exactly as received. */
  path: string;
  leaseId: bigint;
  /** `bodyHash(rawBody)` of the body as received. */
  bodyHash: Hex;
  timestamp: number;
  nonce: `0x${string}`;
  signature: Hex;
}

/**
 * Recovers the address that signed a request. Any change to the method, path, lease, body or
 * time gives a different address, so compare it with the lease's buyer.
 * @example
 * const { leaseId, timestamp, signature } = readRequestHeaders(request.headers);
 * const signer = await recoverRequestSigner({
 *   chainId, marketplace, method: request.method, path: url.pathname + url.search,
 *   leaseId, bodyHash: bodyHash(rawBody), timestamp, signature,
 * });
 * if (!isAddressEqual(signer, lease.buyer)) throw new HTTPException(403);
 */
export async function recoverRequestSigner(parameters: RecoverRequestSignerParameters): Promise<Address> {
  const { chainId, marketplace, leaseId, bodyHash, timestamp, signature } = parameters;
  return recoverTypedDataAddress({
    domain: requestDomain(chainId, marketplace),
    types: requestTypes,
    primaryType: "Request",
    message: { ...requestMessage(parameters.method, parameters.path, leaseId, timestamp, parameters.nonce), bodyHash },
    signature,
  });
}
