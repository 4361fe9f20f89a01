// A typed client for a provider's API: every request signed by the buyer's key, and every answer
// checked against the provider's registered apiSigner.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Address, type Hex, isAddressEqual, type LocalAccount } from "viem";
import type { ReadClient } from "../actions/internal/contract.js";
import { getProvider } from "../actions/registry/getProvider.js";
import type { Deployment } from "../deployment.js";
import { OcxProviderError } from "../errors.js";
import type { ServiceExecResult } from "../services/types.js";
import { bodyHash } from "../signing/bodyHash.js";
import { signRequest } from "../signing/signRequest.js";
import { OCX_ANSWER_SHA256_HEADER } from "../signing/typedData.js";
import { AnswerSignatureError, verifyAnswer } from "../signing/verifyAnswer.js";
import { type ProviderQuote, parseQuote } from "./quote.js";

export { type ProviderQuote, parseQuote, type SerializedQuote, serializeQuote } from "./quote.js";

/**
 * An answer of a provider that was not 2xx (or whose bytes were not what it stated): its status and
 * the JSON problem it sent. An `OcxProviderError`: retryable for 5xx unless said otherwise.
 */
export class ProviderApiError extends OcxProviderError {
  override name = "ProviderApiError";
  constructor(
    override readonly status: number,
    readonly body: Record<string, unknown>,
    readonly request: string,
    url = "",
    options: { retryable?: boolean } = {},
  ) {
    super(`${request} → ${status}: ${typeof body.error === "string" ? body.error : JSON.stringify(body)}`, {
      url,
      status,
      ...options,
    });
  }
}

/** What a provider says about one lease. */
export interface ProviderLeaseStatus {
  id: string;
  phase:
    | "pending"
    | "acknowledged"
    | "running"
    | "finishing"
    | "stopping"
    | "completed"
    | "cancelled"
    | "closed"
    | "exhausted"
    | "failed";
  message: string;
  buyer: string;
  pricePerSecond: string;
  deposit: string;
  startedAt: number | null;
  gpus: string[];
  exitCode: number | null;
  oomKilled: boolean;
  resultHash: `0x${string}` | null;
  resultSize: number | null;
  escrowLeft?: string;
  fundedSeconds?: number;
  /** A service lease's services: state, restarts, last exit and why (absent for a batch job). */
  services?: ProviderServiceStatus[];
}

/** What a provider says about one service of a service lease. */
export interface ProviderServiceStatus {
  name: string;
  /** starting | healthy | unhealthy | restarting | crash-looping | stopped */
  state: "starting" | "healthy" | "unhealthy" | "restarting" | "crash-looping" | "stopped";
  /** Restarts since the lease started. */
  restarts: number;
  /** How its last run ended: exit code, why (exited, signal, memory-limit, node …), unix seconds. */
  lastExit: { exitCode: number; reason: string; at: number } | null;
  /** Why it is in its state, in words. */
  reason: string;
  /** Unix seconds of the current run's start; null when it is not running. */
  startedAt: number | null;
  ports: { port: number; protocol: "http" | "tcp"; expose: "public" | "internal" }[];
}

/** Where the client learns the key that signs the provider's answers. */
export type AnswerSignerSource =
  | Address
  | {
      /** A client of the chain the provider is registered on. */
      client: ReadClient;
      deployment: Pick<Deployment, "registry">;
      /** The provider's address (its ProviderRegistry record). */
      provider: Address;
    };

export interface ProviderClientOptions {
  /** The provider's API base URL, as registered on-chain. */
  url: string;
  /** The lease's buyer. */
  account: LocalAccount;
  chainId: number;
  marketplace: Address;
  /**
   * The provider's registered apiSigner, or where to read it (the registry, read once). With it,
   * every answer is checked against its signature and a bad or missing one throws
   * `OcxProviderError`; without it answers are taken on trust.
   */
  apiSigner?: AnswerSignerSource;
  /** Oldest signed answer accepted, in seconds either way from this clock (default 300). */
  maxAnswerAgeSeconds?: number;
  fetch?: typeof fetch;
}

/** The network failure under a fetch error: its code ("ECONNREFUSED") or else its deepest message. */
function networkFailure(error: unknown): string {
  let deepest = (error as Error)?.message ?? String(error);
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    if (e instanceof Error && e.message) deepest = e.message;
  }
  return deepest;
}

/**
 * Creates a client for one provider.
 * @example
 * const provider = createProviderClient({
 *   url, account, chainId: 31337, marketplace: deployment.marketplace,
 *   apiSigner: { client: publicClient, deployment, provider: lease.provider },
 * });
 * await provider.uploadManifest(leaseId, canonicalJson);
 * for await (const chunk of provider.logs(leaseId, { follow: true })) process.stdout.write(chunk);
 */
export function createProviderClient(options: ProviderClientOptions) {
  const base = options.url.replace(/\/$/, "");
  const doFetch = options.fetch ?? fetch;

  let signer: Promise<Address> | undefined;
  const apiSigner = (): Promise<Address> | undefined => {
    const source = options.apiSigner;
    if (!source) return undefined;
    if (typeof source === "string") return Promise.resolve(source);
    signer ??= getProvider(source.client, { deployment: source.deployment, provider: source.provider }).then(
      (record) => record.apiSigner,
    );
    return signer;
  };

  const refuseAnswer = (route: string, status: number, error: unknown): never => {
    throw new OcxProviderError(`the provider at ${base} sent an answer to ${route} that fails its signature check`, {
      url: base,
      status,
      retryable: false,
      details: (error as Error).message,
      hint: "do not trust this provider's data; report it, and take your next lease elsewhere",
      cause: error,
    });
  };

  /** Checks an answer's signature; `body` when it is at hand, else the signed sha256 is returned to check later. */
  const verify = async (leaseId: bigint, route: string, response: Response, body?: Uint8Array) => {
    const expected = apiSigner();
    if (!expected) return undefined;
    try {
      return await verifyAnswer({
        chainId: options.chainId,
        apiSigner: await expected,
        leaseId,
        route,
        headers: response.headers,
        ...(body ? { body } : {}),
        ...(options.maxAnswerAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAnswerAgeSeconds } : {}),
      });
    } catch (error) {
      if (error instanceof AnswerSignatureError) return refuseAnswer(route, response.status, error);
      throw error;
    }
  };

  const call = async (method: string, leaseId: bigint, path: string, body?: Uint8Array): Promise<Response> => {
    const headers = await signRequest({
      account: options.account,
      chainId: options.chainId,
      marketplace: options.marketplace,
      method,
      path,
      leaseId,
      ...(body ? { body } : {}),
    });
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: { ...headers, ...(body ? { "content-type": "application/octet-stream" } : {}) },
        ...(body ? { body } : {}),
      });
    } catch (error) {
      throw new OcxProviderError(
        `the provider at ${base} cannot be reached (${networkFailure(error)}) for ${method} ${path}`,
        {
          url: base,
          retryable: true,
          cause: error,
          hint: "it may be restarting: try again in a moment; a lease keeps running on-chain meanwhile",
        },
      );
    }
    if (!response.ok) {
      const text = await response.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { error: text };
      }
      throw new ProviderApiError(response.status, parsed, `${method} ${path}`, base);
    }
    return response;
  };

  /** A signed JSON answer: read whole, checked, parsed. */
  const json = async <T>(leaseId: bigint, method: string, path: string, body?: Uint8Array): Promise<T> => {
    const response = await call(method, leaseId, path, body);
    const bytes = new Uint8Array(await response.arrayBuffer());
    await verify(leaseId, `${method} ${path}`, response, bytes);
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  };
  const encode = (s: string | Uint8Array) => (typeof s === "string" ? new TextEncoder().encode(s) : s);

  /** The signed sha256 of a log range, from the provider. */
  const logDigest = (leaseId: bigint, stream: string, offset: number, length: number, service = "") =>
    json<{ stream: string; offset: number; length: number; sha256: Hex }>(
      leaseId,
      "GET",
      `/leases/${leaseId}/logs/digest?stream=${stream}&offset=${offset}&length=${length}${service}`,
    );

  return {
    /** Uploads the canonical manifest; the provider checks its hash against the lease. */
    uploadManifest: async (leaseId: bigint, canonicalJson: string | Uint8Array) =>
      json<{ accepted: boolean; inputs: string[] }>(
        leaseId,
        "PUT",
        `/leases/${leaseId}/manifest`,
        encode(canonicalJson),
      ),
    /** Uploads one input file; the provider checks it against its sha256 in the manifest. */
    uploadInput: async (leaseId: bigint, path: string, bytes: Uint8Array) =>
      json<{ accepted: string; bytes: number }>(
        leaseId,
        "PUT",
        `/leases/${leaseId}/inputs/${path.split("/").map(encodeURIComponent).join("/")}`,
        bytes,
      ),
    /** Starts the job once the manifest and every input are in. */
    start: async (leaseId: bigint) =>
      json<{ phase: string; message: string }>(leaseId, "POST", `/leases/${leaseId}/start`, new Uint8Array()),
    /** The provider's signed account of the lease. */
    status: async (leaseId: bigint) => json<ProviderLeaseStatus>(leaseId, "GET", `/leases/${leaseId}`),
    /**
     * Runs a command in one service's sandbox of a running service lease (`ocx job shell`): its user, files,
     * volumes and network; killed after `timeoutSeconds` (1–60, default 10); output kept up to 1 MiB per stream.
     */
    exec: async (leaseId: bigint, request: { service: string; command: string[]; timeoutSeconds?: number }) =>
      json<ServiceExecResult>(leaseId, "POST", `/leases/${leaseId}/exec`, encode(JSON.stringify(request))),
    /**
     * Streams a log from `offset`; with `follow`, until the job ends. Resumable: pass the bytes already
     * received as the next offset. The bytes are checked against the provider's signature when the
     * stream ends (a followed log through a signed digest of what arrived): a mismatch throws.
     */
    async *logs(
      leaseId: bigint,
      options: {
        stream?: "stdout" | "stderr";
        offset?: number;
        follow?: boolean;
        /** One service of a service lease (its own log); without it, the job's log. */
        service?: string;
      } = {},
    ): AsyncGenerator<Uint8Array> {
      const stream = options.stream ?? "stdout";
      const offset = options.offset ?? 0;
      const service = options.service ? `&service=${encodeURIComponent(options.service)}` : "";
      const path = `/leases/${leaseId}/logs?stream=${stream}&offset=${offset}${service}${options.follow ? "&follow=1" : ""}`;
      const response = await call("GET", leaseId, path);
      const signed = options.follow ? undefined : await verify(leaseId, `GET ${path}`, response);
      const hash = createHash("sha256");
      let received = 0;
      if (response.body) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          received += chunk.byteLength;
          yield chunk;
        }
      }
      if (!apiSigner()) return;
      const actual = `0x${hash.digest("hex")}`;
      const stated = signed ? signed.bodySha256 : (await logDigest(leaseId, stream, offset, received, service)).sha256;
      if (actual !== stated.toLowerCase()) {
        refuseAnswer(
          `GET ${path}`,
          response.status,
          new AnswerSignatureError(
            `the ${received} log bytes received hash to ${actual}, but the provider signed ${stated}`,
          ),
        );
      }
    },
    /** Downloads the packed results into memory and checks them against the signed sha256. */
    async results(leaseId: bigint): Promise<{ bytes: Uint8Array; sha256: `0x${string}` }> {
      const path = `/leases/${leaseId}/results`;
      const response = await call("GET", leaseId, path);
      // The signature is checked on arrival (its age counts from then), the bytes once they are in.
      const signed = await verify(leaseId, `GET ${path}`, response);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const stated = (signed?.bodySha256 ?? response.headers.get("x-ocx-result-sha256")) as `0x${string}` | null;
      const actual = bodyHash(bytes);
      if (!stated || stated.toLowerCase() !== actual) {
        throw new ProviderApiError(
          502,
          { error: `results hash mismatch: provider said ${stated}, got ${actual}` },
          `GET ${path}`,
          base,
          { retryable: false },
        );
      }
      return { bytes, sha256: actual };
    },
    /**
     * Streams the packed results to `file` (never whole in memory), checking their sha256 against
     * the provider's signature and, when given, the hash on record on-chain; the file appears only
     * once they match.
     */
    async downloadResults(
      leaseId: bigint,
      file: string,
      expectedSha256?: Hex,
    ): Promise<{ sha256: `0x${string}`; bytes: number }> {
      const path = `/leases/${leaseId}/results`;
      const response = await call("GET", leaseId, path);
      const signed = await verify(leaseId, `GET ${path}`, response);
      const stated = (signed?.bodySha256 ??
        response.headers.get(OCX_ANSWER_SHA256_HEADER) ??
        response.headers.get("x-ocx-result-sha256")) as Hex | null;
      const hash = createHash("sha256");
      let bytes = 0;
      const partial = `${file}.ocx-partial`;
      try {
        if (!response.body) throw new Error("the answer has no body");
        const counted = async function* () {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            hash.update(chunk);
            bytes += chunk.byteLength;
            yield chunk;
          }
        };
        await pipeline(Readable.from(counted()), createWriteStream(partial));
      } catch (error) {
        await rm(partial, { force: true });
        throw new OcxProviderError(`the results of lease ${leaseId} from ${base} did not arrive whole`, {
          url: base,
          retryable: true,
          cause: error,
          details: (error as Error).message,
        });
      }
      const actual = `0x${hash.digest("hex")}` as Hex;
      for (const [what, want] of [
        ["the provider's signed sha256", stated],
        ["the result hash on-chain", expectedSha256],
      ] as const) {
        if (want !== undefined && (!want || want.toLowerCase() !== actual)) {
          await rm(partial, { force: true });
          throw new ProviderApiError(
            502,
            { error: `results hash mismatch: ${what} is ${want}, the ${bytes} bytes received hash to ${actual}` },
            `GET ${path}`,
            base,
            { retryable: false },
          );
        }
      }
      await rename(partial, file);
      return { sha256: actual, bytes };
    },
    /**
     * Asks the provider for a signed quote of `offerId` for this buyer and job (for the
     * marketplace's `takeQuote`). Checks that the quote is for what was asked.
     */
    async requestQuote(offerId: bigint, manifestHash: Hex): Promise<{ quote: ProviderQuote; signature: Hex }> {
      const body = encode(JSON.stringify({ offerId: offerId.toString(), manifestHash }));
      const answer = await json<{ quote: unknown; signature: Hex }>(0n, "POST", "/quotes", body);
      let quote: ProviderQuote;
      try {
        quote = parseQuote(answer.quote);
      } catch (error) {
        throw new OcxProviderError(`the provider at ${base} sent a malformed quote: ${(error as Error).message}`, {
          url: base,
          status: 502,
        });
      }
      const wrong =
        quote.offerId !== offerId
          ? `offer ${quote.offerId}, not ${offerId}`
          : !isAddressEqual(quote.buyer, options.account.address)
            ? `buyer ${quote.buyer}, not ${options.account.address}`
            : quote.manifestHash.toLowerCase() !== manifestHash.toLowerCase()
              ? `manifest ${quote.manifestHash}, not ${manifestHash}`
              : undefined;
      if (wrong) {
        throw new OcxProviderError(`the provider at ${base} quoted ${wrong}`, { url: base, status: 502 });
      }
      if (typeof answer.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(answer.signature)) {
        throw new OcxProviderError(`the provider at ${base} sent a quote without a valid signature`, {
          url: base,
          status: 502,
        });
      }
      return { quote, signature: answer.signature };
    },
    /** The provider's public status. */
    info: async () => (await doFetch(`${base}/status`)).json() as Promise<Record<string, unknown>>,
  };
}

export type ProviderClient = ReturnType<typeof createProviderClient>;
