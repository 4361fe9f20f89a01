// Reads the signature headers of an incoming request, refusing malformed ones by name.
import { type Address, getAddress, type Hex } from "viem";
import { RequestSignatureError } from "./signRequest.js";
import {
  OCX_BODY_HASH_HEADER,
  OCX_LEASE_HEADER,
  OCX_NONCE_HEADER,
  OCX_SIGNATURE_HEADER,
  OCX_SIGNER_HEADER,
  OCX_TIMESTAMP_HEADER,
} from "./typedData.js";

export interface ReadRequestHeadersReturnType {
  leaseId: bigint;
  timestamp: number;
  nonce: Hex;
  /** The sha256 of the body the signature covers; the body itself must still be checked against it. */
  bodyHash: Hex;
  /** Who claims to have signed (checksummed); the signature must recover to this address. */
  signer: Address;
  signature: Hex;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads the signature headers (`x-ocx-lease`, `-timestamp`, `-nonce`, `-body-sha256`, `-signer`,
 * `-signature`) from a request's headers (a fetch `Headers` or Node's header object). Throws
 * `RequestSignatureError` naming the header that is missing or malformed.
 * @example
 * readRequestHeaders(new Headers(headers));
 * // { leaseId: 7n, timestamp: 1700000000, nonce: "0x…", bodyHash: "0x…", signer: "0x…", signature: "0x…" }
 */
export function readRequestHeaders(headers: HeaderSource): ReadRequestHeadersReturnType {
  const lease = header(headers, OCX_LEASE_HEADER);
  const time = header(headers, OCX_TIMESTAMP_HEADER);
  const signature = header(headers, OCX_SIGNATURE_HEADER);
  const nonce = header(headers, OCX_NONCE_HEADER);
  if (lease === undefined || !/^(0|[1-9]\d{0,77})$/.test(lease) || BigInt(lease) >= 2n ** 256n) {
    throw new RequestSignatureError(`${OCX_LEASE_HEADER} must be a lease id in decimal, got ${JSON.stringify(lease)}`);
  }
  if (time === undefined || !/^(0|[1-9]\d{0,15})$/.test(time) || !Number.isSafeInteger(Number(time))) {
    throw new RequestSignatureError(
      `${OCX_TIMESTAMP_HEADER} must be unix seconds in decimal, got ${JSON.stringify(time)}`,
    );
  }
  if (signature === undefined || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new RequestSignatureError(
      `${OCX_SIGNATURE_HEADER} must be a 65-byte signature in 0x-hex, got ${JSON.stringify(signature)}`,
    );
  }
  if (nonce === undefined || !/^0x[0-9a-fA-F]{32}$/.test(nonce)) {
    throw new RequestSignatureError(`${OCX_NONCE_HEADER} must be 16 bytes in 0x-hex, got ${JSON.stringify(nonce)}`);
  }
  const hash = header(headers, OCX_BODY_HASH_HEADER);
  if (hash === undefined || !/^0x[0-9a-fA-F]{64}$/.test(hash)) {
    throw new RequestSignatureError(
      `${OCX_BODY_HASH_HEADER} must be the body's sha256 as 32 bytes in 0x-hex, got ${JSON.stringify(hash)}`,
    );
  }
  const signer = header(headers, OCX_SIGNER_HEADER);
  if (signer === undefined || !/^0x[0-9a-fA-F]{40}$/.test(signer)) {
    throw new RequestSignatureError(
      `${OCX_SIGNER_HEADER} must be the signing address in 0x-hex, got ${JSON.stringify(signer)}`,
    );
  }
  return {
    leaseId: BigInt(lease),
    timestamp: Number(time),
    nonce: nonce.toLowerCase() as Hex,
    bodyHash: hash.toLowerCase() as Hex,
    signer: getAddress(signer.toLowerCase()),
    signature: signature as Hex,
  };
}
