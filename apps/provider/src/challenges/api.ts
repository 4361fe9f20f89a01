// GET /challenges/:id/opening: the opening of a challenge this node answered (the proofs package's
// Opening JSON), signed like every answer. Public, since everything in it is public once the products
// are on-chain; decided cheaply: the id is checked by pattern, one primary-key read says 404 or not,
// no body is read, and a signed answer is reused for a few seconds, so strangers cannot make the node
// sign at will.
import type { Opening } from "@ocx/proofs";
import type { SignAnswerParameters } from "@ocx/sdk";
import { Hono } from "hono";

/** Seconds a signed opening is served again before it is signed anew (answers carry their signing time). */
const SIGNED_REUSE_SECONDS = 10;
/** Signed answers kept, at most. */
const CACHE_SIZE = 64;

/**
 * The challenge routes, mounted at /challenges.
 * @example
 * app.route("/challenges", challengeRoutes({ opening: (id) => responder.opening(id), sign }));
 */
export function challengeRoutes(options: {
  opening?: ((id: bigint) => Promise<Opening | undefined>) | undefined;
  sign: (parameters: Omit<SignAnswerParameters, "account" | "chainId">) => Promise<Record<string, string>>;
}) {
  const app = new Hono();
  const signed = new Map<string, { body: string; headers: Record<string, string>; at: number }>();
  app.get("/:id/opening", async (c) => {
    const raw = c.req.param("id");
    if (!/^\d{1,78}$/.test(raw)) {
      return c.json({ error: `a challenge id is a decimal number, got "${raw.slice(0, 80)}"` }, 400);
    }
    const url = new URL(c.req.url);
    const route = `GET ${url.pathname}${url.search}`;
    const now = Date.now();
    const cached = signed.get(route);
    if (cached && now - cached.at < SIGNED_REUSE_SECONDS * 1000) {
      return c.body(cached.body, 200, { "content-type": "application/json", ...cached.headers });
    }
    const opening = options.opening ? await options.opening(BigInt(raw)) : undefined;
    if (!opening) {
      return c.json(
        {
          error: `this provider has no opening for challenge ${raw}: it is not addressed to this provider, or its products are not on-chain yet`,
        },
        404,
      );
    }
    const body = JSON.stringify(opening);
    const headers = await options.sign({ leaseId: 0n, route, body });
    if (signed.size >= CACHE_SIZE) signed.delete(signed.keys().next().value as string);
    signed.set(route, { body, headers, at: now });
    return c.body(body, 200, { "content-type": "application/json", ...headers });
  });
  return app;
}
