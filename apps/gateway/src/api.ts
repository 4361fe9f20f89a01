// The gateway's HTTP API (Hono): OpenAI's POST /v1/chat/completions and GET /v1/models, and the daemon's
// /health, /ready, /status, /metrics. A chat request's body is size-limited before it is read; its payment is
// checked (x402) before any endpoint is called.
import { serve } from "@hono/node-server";
import type { Registry } from "@ocx/node-kit";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { handleChatCompletion, openAiError, type ProxyDeps } from "./proxy.js";

/** What the API serves from. */
export interface ApiOptions {
  proxy: ProxyDeps;
  metrics: Registry;
  maxBodyBytes: number;
  status: () => Promise<Record<string, unknown>>;
  /** Why the gateway cannot serve yet ([] when it can). */
  notReady: () => Promise<string[]>;
}

/**
 * The gateway's API as a Hono app (test it with `app.request(...)`).
 * @example
 * const app = createApi({ proxy, metrics, maxBodyBytes: 1 << 20, status: async () => ({}), notReady: async () => [] });
 * const models = await (await app.request("/v1/models")).json();
 */
export function createApi(options: ApiOptions): Hono {
  const app = new Hono();
  const { table } = options.proxy;
  app.onError((error, c) => {
    options.proxy.log.error("request failed in the gateway", { path: c.req.path, error: error.message });
    return openAiError(500, "internal_error", `internal error: ${error.message}`);
  });
  app.notFound((c) =>
    openAiError(
      404,
      "not_found",
      `no route ${c.req.method} ${c.req.path}: the gateway serves POST /v1/chat/completions and GET /v1/models`,
    ),
  );
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
  app.get("/v1/models", (c) => {
    const live = table.all().filter((e) => e.healthy);
    const models = [...new Set(live.map((e) => e.model))].sort();
    return c.json({
      object: "list",
      data: models.map((id) => ({
        id,
        object: "model",
        created: 0,
        owned_by: "ocx",
        endpoints: live.filter((e) => e.model === id).length,
      })),
    });
  });
  app.post(
    "/v1/chat/completions",
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: () =>
        openAiError(413, "invalid_request_error", `the request body is over ${options.maxBodyBytes} bytes`),
    }),
    async (c) => handleChatCompletion(options.proxy, await c.req.text(), c.req.header("x-payment")),
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
 * Serves `app` on `listenOn` (port 0: any free port); resolves with its URL once it listens.
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
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        if (!server.listening) resolve();
      }),
  };
}
