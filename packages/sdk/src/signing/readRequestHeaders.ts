// Reads the signature headers of an incoming request, refusing malformed ones by name.
import type { Hex } from "viem";
import { RequestSignatureError } from "./signRequest.js";
import { OCX_LEASE_HEADER, OCX_NONCE_HEADER, OCX_SIGNATURE_HEADER, OCX_TIMESTAMP_HEADER } from "./typedData.js";

export interface ReadRequestHeadersReturnType {
  leaseId: bigint;
  timestamp: number;
  nonce: Hex;
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
 * Reads `x-ocx-lease`, `x-ocx-timestamp` and `x-ocx-signature` from a request's headers (a
 * fetch `Headers` or Node's header object). Throws `RequestSignatureError` naming the header.
 * @example
 * readRequestHeaders(new Headers(headers)); // { leaseId: 7n, timestamp: 1700000000, signature: "0x…" }
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
  return { leaseId: BigInt(lease), timestamp: Number(time), nonce: nonce as Hex, signature: signature as Hex };
}
