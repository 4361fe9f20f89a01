// Every per-lease request must be signed by the lease's buyer (EIP-712 over method, path, body
// hash, lease id, time and nonce). The signature is decided from the headers alone, before a
// single body byte is read, so a stranger's request costs the node almost nothing; the body is
// then read as a stream and checked against the hash that was signed.
import { createHash } from "node:crypto";
import {
  assertCanonicalSignature,
  bodyHash,
  type Deployment,
  hashRequest,
  OCX_SIGNER_HEADER,
  RequestSignatureError,
  readRequestHeaders,
  StaleSignatureError,
  verifyFreshness,
} from "@ocx/sdk";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { type Address, type Hex, isAddressEqual, recoverAddress } from "viem";
import type { LeaseRecord, ProviderStore } from "../leases/store.js";

/** What a signed request carries into its handler once its headers are authenticated. */
export interface SignedRequestVariables {
  /** Who signed: the lease's buyer on lease routes, the asking buyer on `/quotes`. */
  signer: Address;
  /** The body the signature covers: checked against it while it is read, at most `limit` bytes. */
  signedBody: SignedBody;
}

/** The body hash a request signed and the most body bytes its route reads. */
export interface SignedBody {
  hash: Hex;
  limit: number;
}

/** What a per-lease request carries into its handler: its signer and the lease it is about. */
export interface LeaseAuthVariables extends SignedRequestVariables {
  lease: LeaseRecord;
}

/** The largest manifest the node reads (a canonical manifest is a few KiB). */
export const MAX_MANIFEST_BYTES = 256 * 1024;
/** The largest body of any other signed request (start, quotes): they carry little or nothing. */
export const MAX_SMALL_BODY_BYTES = 16 * 1024;
/** Requests being authenticated at once, by default; more get 503 until some are decided. */
export const DEFAULT_MAX_PENDING_AUTH = 64;

/** A JSON problem answer: what was wrong, and the values involved. */
export function problem(
  status: 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 501 | 503,
  error: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return new HTTPException(status, {
    res: new Response(JSON.stringify({ error, ...details }), {
      status,
      headers: { "content-type": "application/json", ...headers },
    }),
  });
}

/** True when the request may carry a body: a method that has one, a length above 0, or chunked. */
function hasBody(c: Context): boolean {
  const length = c.req.header("content-length");
  return (
    (c.req.method !== "GET" && c.req.method !== "HEAD") ||
    (length !== undefined && length !== "0") ||
    c.req.header("transfer-encoding") !== undefined
  );
}

/**
 * A refusal of a request whose body was never read: the connection closes after the answer, so
 * the node neither reads nor keeps the rest of the body, and a client that reuses the connection
 * does not find it broken.
 */
function refuse(c: Context, ...args: Parameters<typeof problem>) {
  const [status, error, details = {}, headers = {}] = args;
  return problem(status, error, details, hasBody(c) ? { ...headers, connection: "close" } : headers);
}

const BAD_SIGNATURE = "bad signature or body hash";

export interface SignedRequestOptions {
  deployment: Deployment;
  store: ProviderStore;
  maxSignatureAgeSeconds: number;
  /** The most body bytes a route reads: uploads get the upload limit, the rest much less. */
  bodyLimit: (c: Context) => number;
  /** Bounds the requests being authenticated at once, shared by every signed route (see `authGate`). */
  gate: AuthGate;
}

/** Counts the requests being authenticated; one per API, shared by all its signed routes. */
export interface AuthGate {
  /** Takes a place, or returns false when all `max` are taken. */
  enter(): boolean;
  leave(): void;
  readonly pending: number;
}

/**
 * A gate for at most `max` requests being authenticated at once (default 64): the rest get 503
 * until some are decided, so a flood of strangers holds a bounded amount of the node's work.
 * @example
 * const gate = authGate(64);
 * if (!gate.enter()) throw problem(503, "busy"); try { … } finally { gate.leave(); }
 */
export function authGate(max = DEFAULT_MAX_PENDING_AUTH): AuthGate {
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new Error(`maxPendingAuth must be a whole number above 0, got ${max}`);
  }
  let pending = 0;
  return {
    enter() {
      if (pending >= max) return false;
      pending++;
      return true;
    },
    leave() {
      pending--;
    },
    get pending() {
      return pending;
    },
  };
}

/**
 * Authenticates a signed request from its headers alone: they must be well formed and fresh, the
 * announced body no larger than the route's limit (413), the signature canonical and made by the
 * address in `x-ocx-signer` over this method, path, lease and body hash (else 401 "bad signature
 * or body hash"), and never used before (the EIP-712 digest is the replay key, so a re-encoded
 * signature is the same request). `authorize` then decides who may ask (404, 403). The gate
 * bounds how many requests are being decided at once (503 beyond).
 */
export function signedRequest<V extends SignedRequestVariables>(
  options: SignedRequestOptions & {
    /** The lease id this route is about (from its path), or 0 for requests about no lease. */
    leaseIdOf: (c: Context) => string | undefined;
    /** Checks that `signer` may make this request; sets route variables. Throws a problem otherwise. */
    authorize: (c: Context<{ Variables: V }>, signer: Address, leaseId: bigint) => Promise<void>;
  },
) {
  const { deployment, store, gate } = options;
  return createMiddleware<{ Variables: V }>(async (c, next) => {
    const limit = options.bodyLimit(c);
    const length = c.req.header("content-length");
    if (length !== undefined && !(/^\d{1,16}$/.test(length) && Number(length) <= limit)) {
      throw refuse(
        c,
        413,
        `the body of ${length} bytes is larger than this provider's limit of ${limit} bytes for ${c.req.method} ${new URL(c.req.url).pathname}`,
        { limit },
      );
    }
    if (!gate.enter()) {
      throw refuse(
        c,
        503,
        `the provider is busy authenticating ${gate.pending} requests: try again in a moment`,
        {},
        {
          "retry-after": "1",
        },
      );
    }
    try {
      let headers: ReturnType<typeof readRequestHeaders>;
      try {
        headers = readRequestHeaders(c.req.raw.headers);
      } catch (error) {
        if (error instanceof RequestSignatureError) {
          throw refuse(
            c,
            401,
            `missing or malformed signature: ${error.message}; sign the request with the lease's buyer key`,
          );
        }
        throw error;
      }
      const now = Math.floor(Date.now() / 1000);
      try {
        verifyFreshness(headers.timestamp, now, options.maxSignatureAgeSeconds);
      } catch (error) {
        if (error instanceof StaleSignatureError) throw refuse(c, 401, error.message);
        throw error;
      }
      const pathId = options.leaseIdOf(c) ?? "0";
      if (!/^\d{1,78}$/.test(pathId) || BigInt(pathId) !== headers.leaseId) {
        throw refuse(c, 401, `the signature is for lease ${headers.leaseId} but the path names lease ${pathId}`);
      }
      const url = new URL(c.req.url);
      let digest: Hex;
      let recovered: Address | undefined;
      try {
        assertCanonicalSignature(headers.signature);
        digest = hashRequest({
          chainId: deployment.chainId,
          marketplace: deployment.marketplace,
          method: c.req.method,
          path: url.pathname + url.search,
          leaseId: headers.leaseId,
          bodyHash: headers.bodyHash,
          timestamp: headers.timestamp,
          nonce: headers.nonce,
        });
        recovered = await recoverAddress({ hash: digest, signature: headers.signature }).catch(() => undefined);
      } catch (error) {
        throw refuse(c, 401, `${BAD_SIGNATURE}: ${(error as Error).message}`);
      }
      if (!recovered || !isAddressEqual(recovered, headers.signer)) {
        throw refuse(
          c,
          401,
          `${BAD_SIGNATURE}: the signature does not match this request as signed by ${headers.signer} (${OCX_SIGNER_HEADER}); sign the exact method, path with query, lease, body and time you send`,
        );
      }
      await options.authorize(c, headers.signer, headers.leaseId);
      if (!store.useSignature(digest, headers.timestamp + options.maxSignatureAgeSeconds, now)) {
        throw refuse(c, 401, "this request was already made once (same signed digest): sign each request anew");
      }
      c.set("signer", headers.signer);
      c.set("signedBody", { hash: headers.bodyHash, limit });
    } finally {
      gate.leave();
    }
    await next();
  });
}

/**
 * The per-lease routes' authentication: a signed request (see `signedRequest`) whose signer is the
 * lease's buyer. Answers 404 for a lease this provider does not have and 403 (naming both) when a
 * valid signature comes from someone else.
 */
export function leaseAuth(
  options: SignedRequestOptions & {
    /** Looks for a lease the node has not seen yet (it may be in a block not read yet). */
    findLease: (id: bigint) => Promise<LeaseRecord | undefined>;
  },
) {
  return signedRequest<LeaseAuthVariables>({
    ...options,
    leaseIdOf: (c) => c.req.param("id"),
    async authorize(c, signer, leaseId) {
      const lease = options.store.getLease(leaseId) ?? (await options.findLease(leaseId));
      if (!lease) throw refuse(c, 404, `lease ${leaseId} is not a lease of this provider`);
      if (!isAddressEqual(signer, lease.buyer)) {
        throw refuse(c, 403, `lease ${lease.id} belongs to ${lease.buyer}; the request was signed by ${signer}`, {
          buyer: lease.buyer,
          signer,
        });
      }
      c.set("lease", lease);
    },
  });
}

/**
 * The request's body as a stream, hashed and counted as it passes: more than the route's limit
 * ends it with 413, and a body whose sha256 is not the signed one ends it with 401 when its last
 * byte has been read (a consumer must not keep what it wrote before that error).
 */
export async function* verifiedBody(request: Request, signedBody: SignedBody): AsyncGenerator<Uint8Array> {
  const { limit, hash: signed } = signedBody;
  const hash = createHash("sha256");
  let size = 0;
  const body = request.body;
  if (body) {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > limit) {
        throw problem(
          413,
          `the body is larger than this provider's limit of ${limit} bytes`,
          { limit },
          {
            connection: "close",
          },
        );
      }
      hash.update(chunk);
      yield chunk;
    }
  }
  const got = `0x${hash.digest("hex")}`;
  if (got !== signed) {
    throw problem(
      401,
      `${BAD_SIGNATURE}: the body's sha256 is ${got} but the request signed ${signed}; send the exact body you signed`,
      { signed, got },
    );
  }
}

/** Reads the whole (small, bounded by the route's limit) body and checks it against the signed hash. */
export async function readVerifiedBody(request: Request, signedBody: SignedBody): Promise<Uint8Array> {
  if (request.method === "GET" || request.method === "HEAD") {
    if (signedBody.hash !== bodyHash()) {
      throw problem(401, `${BAD_SIGNATURE}: a ${request.method} request has no body, but its signature covers one`);
    }
    return new Uint8Array();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of verifiedBody(request, signedBody)) {
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return Buffer.concat(chunks, size);
}
