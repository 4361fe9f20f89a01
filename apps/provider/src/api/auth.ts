// Every per-lease request must be signed by the lease's buyer (EIP-712 over method, path, body
// hash, lease id and timestamp). This middleware checks that before any handler runs.
import {
  bodyHash,
  type Deployment,
  RequestSignatureError,
  readRequestHeaders,
  recoverRequestSigner,
  StaleSignatureError,
  verifyFreshness,
} from "@ocx/sdk";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { LeaseRecord, ProviderStore } from "../leases/store.js";

export interface LeaseAuthVariables {
  lease: LeaseRecord;
  body: Uint8Array;
}

/** A JSON problem answer: what was wrong, and the values involved. */
export function problem(
  status: 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503,
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

/**
 * Checks the signature headers, their freshness and single use, and that the signer is the
 * lease's buyer. Answers 401 (missing, malformed, stale or replayed), 404 (unknown lease) or 403
 * (someone else signed). On success the handler finds the lease and the raw body in the context.
 */
export function leaseAuth(options: {
  deployment: Deployment;
  store: ProviderStore;
  maxSignatureAgeSeconds: number;
  /** Looks for a lease the node has not seen yet (it may be in a block not read yet). */
  findLease: (id: bigint) => Promise<LeaseRecord | undefined>;
}) {
  const { deployment, store } = options;
  return createMiddleware<{ Variables: LeaseAuthVariables }>(async (c, next) => {
    let headers: ReturnType<typeof readRequestHeaders>;
    try {
      headers = readRequestHeaders(c.req.raw.headers);
    } catch (error) {
      if (error instanceof RequestSignatureError) {
        throw problem(
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
      if (error instanceof StaleSignatureError) throw problem(401, error.message);
      throw error;
    }
    const pathId = c.req.param("id");
    if (!pathId || !/^\d+$/.test(pathId) || BigInt(pathId) !== headers.leaseId) {
      throw problem(401, `the signature is for lease ${headers.leaseId} but the path names lease ${pathId}`);
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    const url = new URL(c.req.url);
    const signer = await recoverRequestSigner({
      chainId: deployment.chainId,
      marketplace: deployment.marketplace,
      method: c.req.method,
      path: url.pathname + url.search,
      leaseId: headers.leaseId,
      bodyHash: bodyHash(body),
      timestamp: headers.timestamp,
      nonce: headers.nonce,
      signature: headers.signature,
    }).catch(() => undefined);
    if (!signer) throw problem(401, "the signature cannot be recovered; sign the request with the lease's buyer key");
    const lease = store.getLease(headers.leaseId) ?? (await options.findLease(headers.leaseId));
    if (!lease) throw problem(404, `lease ${headers.leaseId} is not a lease of this provider`);
    if (signer.toLowerCase() !== lease.buyer.toLowerCase()) {
      throw problem(403, `lease ${lease.id} belongs to ${lease.buyer}; the request was signed by ${signer}`, {
        buyer: lease.buyer,
        signer,
      });
    }
    if (!store.useSignature(headers.signature, headers.timestamp + options.maxSignatureAgeSeconds, now)) {
      throw problem(401, "this signature was already used: sign each request anew");
    }
    c.set("lease", lease);
    c.set("body", body);
    await next();
  });
}
