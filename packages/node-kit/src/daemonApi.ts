// The HTTP side every OCX daemon shares: its /health, /ready, /status and /metrics routes, and serving a Hono app on
// the config's `api.listen` (host:port), with a clear error when the port is taken and a close that ends open
// connections too.
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { Registry } from "prom-client";

/**
 * Splits `host:port`, or throws naming the value and the field.
 * @example
 * splitListen("127.0.0.1:8550"); // ["127.0.0.1", 8550]
 */
export function splitListen(listen: string, field = "api.listen"): [string, number] {
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match) throw new Error(`${field} must be host:port, got "${listen}"`);
  return [match[1] as string, Number(match[2])];
}

/** What a daemon's /ready, /status and /metrics answer from. */
export interface DaemonRoutesOptions {
  metrics: Registry;
  /** GET /status: the daemon's state (bigints are sent as decimal strings). */
  status: () => Promise<Record<string, unknown>>;
  /** Why the daemon cannot serve yet, or [] when it can: GET /ready answers 200, or 503 with the reasons. */
  notReady: () => Promise<string[]>;
}

/**
 * Adds GET /health, /ready, /status and /metrics to `app`.
 * @example
 * const app = new Hono();
 * addDaemonRoutes(app, { metrics, status: async () => ({ version }), notReady: async () => [] });
 */
export function addDaemonRoutes(app: Hono, options: DaemonRoutesOptions): Hono {
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

/** A daemon's API server once it listens. */
export interface ListeningApi {
  /** `http://host:port`, with the port actually bound (port 0 in the config: any free one). */
  url: string;
  /** Stops listening and ends open connections (kept-alive and in flight); resolves once closed. */
  close(): Promise<void>;
}

/**
 * Serves `app` on `listen` (host:port; port 0: any free port) and resolves once it listens. A port in use is an
 * error naming the field and the value.
 * @example
 * const api = await listenApi(app, { listen: "127.0.0.1:0" });
 * await fetch(`${api.url}/health`);
 * await api.close();
 */
export async function listenApi(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  options: { listen: string; field?: string },
): Promise<ListeningApi> {
  const field = options.field ?? "api.listen";
  const [host, port] = splitListen(options.listen, field);
  const server = serve({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`${field} ${options.listen} is already in use: stop what listens there or pick another port`)
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
        // End kept-alive and in-flight connections too: the components behind them (the database first) close
        // next, and a client reusing a socket of this stopped daemon must reach the next one instead.
        if ("closeAllConnections" in server) server.closeAllConnections();
        // A server that never started listening has nothing to close: don't wait on it.
        if (!server.listening) resolve();
      }),
  };
}
