// The daemons' HTTP plumbing: the shared routes, a taken port refused naming the field, close ending open connections.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { addDaemonRoutes, listenApi, splitListen } from "./daemonApi.js";
import { createMetrics } from "./metrics.js";

describe("addDaemonRoutes", () => {
  it("answers /health, /ready (503 with the reasons), /status (bigints as strings) and /metrics", async () => {
    const metrics = createMetrics("ocx_test_");
    let reasons = ["not admitted"];
    const app = addDaemonRoutes(new Hono(), {
      metrics,
      status: async () => ({ stake: 10n ** 20n }),
      notReady: async () => reasons,
    });
    expect(await (await app.request("/health")).json()).toEqual({ ok: true });
    const notReady = await app.request("/ready");
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, reasons: ["not admitted"] });
    reasons = [];
    expect((await app.request("/ready")).status).toBe(200);
    expect(await (await app.request("/status")).json()).toEqual({ stake: "100000000000000000000" });
    expect(await (await app.request("/metrics")).text()).toContain("ocx_test_process_cpu_seconds_total");
  });
});

describe("listenApi", () => {
  it("serves on a free port, refuses a taken one naming the field, and closes with a connection open", async () => {
    const app = new Hono().get("/health", (c) => c.json({ ok: true }));
    const api = await listenApi(app, { listen: "127.0.0.1:0" });
    const response = await fetch(`${api.url}/health`, { keepalive: true });
    expect(response.status).toBe(200);
    const taken = api.url.replace("http://", "");
    await expect(listenApi(app, { listen: taken })).rejects.toThrow(
      `api.listen ${taken} is already in use: stop what listens there or pick another port`,
    );
    await api.close();
    await expect(fetch(`${api.url}/health`)).rejects.toThrow();
    expect(() => splitListen("8550", "ingress.listen")).toThrow('ingress.listen must be host:port, got "8550"');
  });
});
