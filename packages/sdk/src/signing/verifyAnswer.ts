// The buyer's side of signed answers: did the provider's registered apiSigner say exactly this?
import { type Address, type Hex, isAddressEqual, recoverTypedDataAddress } from "viem";
import { bodyHash } from "./bodyHash.js";
import { assertCanonicalSignature } from "./recoverRequestSigner.js";
import {
  answerDomain,
  answerTypes,
  OCX_ANSWER_SHA256_HEADER,
  OCX_ANSWER_SIGNATURE_HEADER,
  OCX_ANSWER_TIMESTAMP_HEADER,
} from "./typedData.js";

/** Thrown when a provider's answer is unsigned, signed by another key, or does not match its signature. */
export class AnswerSignatureError extends Error {
  override name = "AnswerSignatureError";
}

type HeaderSource = Headers | Record<string, string | undefined>;
const header = (headers: HeaderSource, name: string) =>
  headers instanceof Headers ? (headers.get(name) ?? undefined) : headers[name];

export interface VerifyAnswerParameters {
  chainId: number;
  /** The provider's apiSigner as registered on-chain (`getProvider(...).apiSigner`). */
  apiSigner: Address;
  leaseId: bigint;
  /** The request this answers: method, space, path with query (`"GET /leases/7"`). */
  route: string;
  /** The answer's headers. */
  headers: HeaderSource;
  /** The body received, to check against the signed sha256; leave out when checking a streamed body's hash yourself. */
  body?: Uint8Array | string;
  /** Unix seconds now, to check the answer's age; defaults to the clock. */
  now?: number;
  /** The oldest (or furthest in the future) answer accepted, in seconds; default 300. */
  maxAgeSeconds?: number;
}

export interface VerifyAnswerReturnType {
  /** The sha256 the provider signed: of `body` when given, else of the body still to be checked. */
  bodySha256: Hex;
  timestamp: number;
  signature: Hex;
}

/**
 * Checks that an answer of a provider's API is signed by its apiSigner over this lease, this route,
 * this body and a recent time. Throws `AnswerSignatureError` saying what did not match.
 * @example
 * const response = await fetch(`${url}/leases/7`, { headers });
 * const body = new Uint8Array(await response.arrayBuffer());
 * await verifyAnswer({ chainId: 31337, apiSigner, leaseId: 7n, route: "GET /leases/7", headers: response.headers, body });
 */
export async function verifyAnswer(parameters: VerifyAnswerParameters): Promise<VerifyAnswerReturnType> {
  const { chainId, apiSigner, leaseId, route, headers } = parameters;
  const where = `the provider's answer to ${route}`;
  const signature = header(headers, OCX_ANSWER_SIGNATURE_HEADER);
  const sha256 = header(headers, OCX_ANSWER_SHA256_HEADER)?.toLowerCase();
  const time = header(headers, OCX_ANSWER_TIMESTAMP_HEADER);
  if (!signature || !/^0x[0-9a-fA-F]{130}$/.test(signature) || !sha256 || !/^0x[0-9a-f]{64}$/.test(sha256)) {
    throw new AnswerSignatureError(
      `${where} is not signed (headers ${OCX_ANSWER_SIGNATURE_HEADER} and ${OCX_ANSWER_SHA256_HEADER} missing or malformed): do not trust it; the provider may run an old or altered node`,
    );
  }
  if (!time || !/^\d{1,15}$/.test(time)) {
    throw new AnswerSignatureError(`${where} has no valid ${OCX_ANSWER_TIMESTAMP_HEADER}, got ${JSON.stringify(time)}`);
  }
  const timestamp = Number(time);
  const now = parameters.now ?? Math.floor(Date.now() / 1000);
  const maxAge = parameters.maxAgeSeconds ?? 300;
  if (Math.abs(now - timestamp) > maxAge) {
    throw new AnswerSignatureError(
      `${where} was signed at ${timestamp}, ${Math.abs(now - timestamp)} s from this clock (${now}); at most ${maxAge} s is accepted: check both clocks`,
    );
  }
  if (parameters.body !== undefined) {
    const actual = bodyHash(parameters.body);
    if (actual !== sha256) {
      throw new AnswerSignatureError(
        `${where} has a body whose sha256 is ${actual}, but the provider signed ${sha256}`,
      );
    }
  }
  try {
    assertCanonicalSignature(signature as Hex);
  } catch (error) {
    throw new AnswerSignatureError(`${where} has a malformed signature: ${(error as Error).message}`);
  }
  const signer = await recoverTypedDataAddress({
    domain: answerDomain(chainId),
    types: answerTypes,
    primaryType: "Answer",
    message: { leaseId, route, bodySha256: sha256 as Hex, timestamp: BigInt(timestamp) },
    signature: signature as Hex,
  }).catch(() => undefined);
  if (!signer || !isAddressEqual(signer, apiSigner)) {
    throw new AnswerSignatureError(
      `${where} is not signed by the provider's registered apiSigner ${apiSigner}${signer ? ` (it recovers to ${signer})` : ""}: do not trust it`,
    );
  }
  return { bodySha256: sha256 as Hex, timestamp, signature: signature as Hex };
}
