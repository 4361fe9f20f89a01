// A provider signs its API answers with its registered apiSigner key, so a buyer holds evidence of
// what the provider said (a lease's status, the results' sha256, the bytes of a log).
import type { Hex, LocalAccount } from "viem";
import { bodyHash } from "./bodyHash.js";
import {
  type AnswerHeaders,
  answerDomain,
  answerTypes,
  OCX_ANSWER_SHA256_HEADER,
  OCX_ANSWER_SIGNATURE_HEADER,
  OCX_ANSWER_TIMESTAMP_HEADER,
} from "./typedData.js";

export interface SignAnswerParameters {
  /** The provider's apiSigner, as registered in the ProviderRegistry. */
  account: LocalAccount;
  chainId: number;
  /** The lease the answer is about; 0 for answers about no lease (quotes). */
  leaseId: bigint;
  /** The request answered: its method and its path with the query, as `"GET /leases/7/logs?offset=0"`. */
  route: string;
  /** The answer's body; or give `bodySha256` when the body streams (an archive, a log). */
  body?: Uint8Array | string;
  /** sha256 of the body, 0x-hex, when the body is not at hand. */
  bodySha256?: Hex;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

export type SignAnswerReturnType = AnswerHeaders;

/**
 * Signs an answer of the provider API with EIP-712 (`Answer { leaseId, route, bodySha256,
 * timestamp }` in the domain `{ name: "OCX Provider API", version: "1", chainId }`) and returns
 * the headers to send with it.
 * @example
 * const body = JSON.stringify(status);
 * const headers = await signAnswer({ account: apiSigner, chainId: 31337, leaseId: 7n, route: "GET /leases/7", body });
 * return new Response(body, { headers: { ...headers, "content-type": "application/json" } });
 */
export async function signAnswer(parameters: SignAnswerParameters): Promise<SignAnswerReturnType> {
  const { account, chainId, leaseId, route } = parameters;
  const sha256 = (parameters.bodySha256?.toLowerCase() as Hex | undefined) ?? bodyHash(parameters.body);
  if (!/^0x[0-9a-f]{64}$/.test(sha256)) throw new Error(`bodySha256 must be 32 bytes in 0x-hex, got ${sha256}`);
  const timestamp = parameters.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = await account.signTypedData({
    domain: answerDomain(chainId),
    types: answerTypes,
    primaryType: "Answer",
    message: { leaseId, route, bodySha256: sha256, timestamp: BigInt(timestamp) },
  });
  return {
    [OCX_ANSWER_SIGNATURE_HEADER]: signature,
    [OCX_ANSWER_SHA256_HEADER]: sha256,
    [OCX_ANSWER_TIMESTAMP_HEADER]: timestamp.toString(),
  };
}
