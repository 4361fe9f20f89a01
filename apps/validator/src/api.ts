// The validator's HTTP API (Hono): public, read-only, no request bodies, so nothing to authenticate
// and nothing a stranger can make it spend: /health, /ready, /status, /metrics.
import { serve } from "@hono/node-server";
import type { Registry } from "@ocx/node-kit";
import { Hono } from "hono";

export interface ApiOptions {
  metrics: Registry;
  /** The daemon's status: address, stake, targets, challenges. */
  status: () => Promise<Record<string, unknown>>;
  /** Why the daemon is not ready to challenge, or [] when it is. */
  notReady: () => Promise<string[]>;
}

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
  app.get("/health", (c) => c.json({ ok: true }));
  app.get("/ready", async (c) => {
    const reasons = await options.notReady();
    return c.json({ ready: reasons.length === 0, reasons }, reasons.length === 0 ? 200 : 503);
  });
  app.get("/status", async (c) =>
    c.json(JSON.parse(JSON.stringify(await options.status(), (_, v) => (typeof v === "bigint" ? v.toString() : v)))),
  );
  app.get("/metrics", async (c) =>
    c.text(await options.metrics.metrics(), 200, { "content-type": options.metrics.contentType }),
  );
  return app;
}

/** Splits `host:port`, or throws naming the value. */
export function splitListen(listen: string): [string, number] {
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match) throw new Error(`api.listen must be host:port, got "${listen}"`);
  return [match[1] as string, Number(match[2])];
}

/**
 * Serves `app` on `listen` (port 0: any free port); resolves with its URL once it listens.
 * @example
 * const server = await listen(app, "127.0.0.1:0");
 * await server.close();
 */
export async function listen(app: Hono, listenOn: string): Promise<{ url: string; close(): Promise<void> }> {
  const [host, port] = splitListen(listenOn);
  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`api.listen ${listenOn} is already in use: stop what listens there or pick another port`)
          : error,
      ),
    );
  });
  const address = server.address();
  const url = typeof address === "object" && address ? `http://${host}:${address.port}` : `http://${host}:${port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (!server.listening) resolve();
      }),
  };
}
