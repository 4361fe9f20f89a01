// A typed client for a provider's API: every per-lease call signed by the buyer's key.
import type { Address, LocalAccount } from "viem";
import { bodyHash } from "../signing/bodyHash.js";
import { signRequest } from "../signing/signRequest.js";

/** An answer of a provider that was not 2xx: its status and the JSON problem it sent. */
export class ProviderApiError extends Error {
  override name = "ProviderApiError";
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly request: string,
  ) {
    super(`${request} → ${status}: ${typeof body.error === "string" ? body.error : JSON.stringify(body)}`);
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
}

export interface ProviderClientOptions {
  /** The provider's API base URL, as registered on-chain. */
  url: string;
  /** The lease's buyer. */
  account: LocalAccount;
  chainId: number;
  marketplace: Address;
  fetch?: typeof fetch;
}

/**
 * Creates a client for one provider.
 * @example
 * const provider = createProviderClient({ url, account, chainId: 31337, marketplace });
 * await provider.uploadManifest(leaseId, canonicalJson);
 * for await (const chunk of provider.logs(leaseId, { follow: true })) process.stdout.write(chunk);
 */
export function createProviderClient(options: ProviderClientOptions) {
  const base = options.url.replace(/\/$/, "");
  const doFetch = options.fetch ?? fetch;

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
    const response = await doFetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body ? { "content-type": "application/octet-stream" } : {}) },
      ...(body ? { body } : {}),
    });
    if (!response.ok) {
      const text = await response.text();
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { error: text };
      }
      throw new ProviderApiError(response.status, parsed, `${method} ${path}`);
    }
    return response;
  };
  const json = async <T>(response: Response) => (await response.json()) as T;
  const encode = (s: string | Uint8Array) => (typeof s === "string" ? new TextEncoder().encode(s) : s);

  return {
    /** Uploads the canonical manifest; the provider checks its hash against the lease. */
    uploadManifest: async (leaseId: bigint, canonicalJson: string | Uint8Array) =>
      json<{ accepted: boolean; inputs: string[] }>(
        await call("PUT", leaseId, `/leases/${leaseId}/manifest`, encode(canonicalJson)),
      ),
    /** Uploads one input file; the provider checks it against its sha256 in the manifest. */
    uploadInput: async (leaseId: bigint, path: string, bytes: Uint8Array) =>
      json<{ accepted: string; bytes: number }>(
        await call(
          "PUT",
          leaseId,
          `/leases/${leaseId}/inputs/${path.split("/").map(encodeURIComponent).join("/")}`,
          bytes,
        ),
      ),
    /** Starts the job once the manifest and every input are in. */
    start: async (leaseId: bigint) =>
      json<{ phase: string; message: string }>(
        await call("POST", leaseId, `/leases/${leaseId}/start`, new Uint8Array()),
      ),
    status: async (leaseId: bigint) => json<ProviderLeaseStatus>(await call("GET", leaseId, `/leases/${leaseId}`)),
    /**
     * Streams a log from `offset`; with `follow`, until the job ends. Resumable: pass the bytes already
     * received as the next offset.
     */
    async *logs(
      leaseId: bigint,
      options: { stream?: "stdout" | "stderr"; offset?: number; follow?: boolean } = {},
    ): AsyncGenerator<Uint8Array> {
      const query = `?stream=${options.stream ?? "stdout"}&offset=${options.offset ?? 0}${options.follow ? "&follow=1" : ""}`;
      const response = await call("GET", leaseId, `/leases/${leaseId}/logs${query}`);
      if (!response.body) return;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) yield chunk;
    },
    /** Downloads the packed results and checks them against the hash the provider states. */
    async results(leaseId: bigint): Promise<{ bytes: Uint8Array; sha256: `0x${string}` }> {
      const response = await call("GET", leaseId, `/leases/${leaseId}/results`);
      const stated = response.headers.get("x-ocx-result-sha256") as `0x${string}` | null;
      const bytes = new Uint8Array(await response.arrayBuffer());
      const actual = bodyHash(bytes);
      if (!stated || stated.toLowerCase() !== actual) {
        throw new ProviderApiError(
          502,
          { error: `results hash mismatch: provider said ${stated}, got ${actual}` },
          "GET results",
        );
      }
      return { bytes, sha256: actual };
    },
    /** The provider's public status. */
    info: async () => (await doFetch(`${base}/status`)).json() as Promise<Record<string, unknown>>,
  };
}

export type ProviderClient = ReturnType<typeof createProviderClient>;
