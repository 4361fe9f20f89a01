// The gateway's HTTP API (Hono): OpenAI's POST /v1/chat/completions and GET /v1/models, and the daemon's
// /health, /ready, /status, /metrics. A chat request's body is size-limited before it is read; its payment is
// checked (x402) before any endpoint is called.
import { addDaemonRoutes, type DaemonRoutesOptions } from "@ocx/node-kit";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { handleChatCompletion, openAiError, type ProxyDeps } from "./proxy.js";

/** What the API serves from. */
export interface ApiOptions extends DaemonRoutesOptions {
  proxy: ProxyDeps;
  maxBodyBytes: number;
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
  addDaemonRoutes(app, options);
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
