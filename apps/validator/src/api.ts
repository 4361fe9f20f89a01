// The validator's HTTP API (Hono): public, read-only, no request bodies, so nothing to authenticate
// and nothing a stranger can make it spend: /health, /ready, /status, /metrics.
import { addDaemonRoutes, type DaemonRoutesOptions } from "@ocx/node-kit";
import { Hono } from "hono";

/** What the API answers from: the daemon's metrics, its status (address, stake, targets, challenges) and why it is not ready to challenge. */
export type ApiOptions = DaemonRoutesOptions;

/**
 * The validator's API as a Hono app (test it with `app.request(...)`, no socket needed).
 * @example
 * const app = createApi({ metrics, status: async () => ({}), notReady: async () => [] });
 * const response = await app.request("/health");
 */
export function createApi(options: ApiOptions): Hono {
  const app = new Hono();
  app.onError((error, c) => c.json({ error: `internal error: ${error.message}` }, 500));
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
  return addDaemonRoutes(app, options);
}
