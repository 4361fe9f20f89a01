import { createMetrics } from "@ocx/node-kit";
import { describe, expect, it } from "vitest";
import { createApi } from "./api.js";

describe("validator API", () => {
  const metrics = createMetrics("ocx_validator_test_");
  it("answers /health, /ready (503 with reasons), /status (bigints as strings) and /metrics", async () => {
    let reasons = ["not admitted"];
    const app = createApi({ metrics, status: async () => ({ stake: 5n }), notReady: async () => reasons });
    expect(await (await app.request("/health")).json()).toEqual({ ok: true });
    const notReady = await app.request("/ready");
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, reasons });
    reasons = [];
    expect((await app.request("/ready")).status).toBe(200);
    expect(await (await app.request("/status")).json()).toEqual({ stake: "5" });
    expect(await (await app.request("/metrics")).text()).toContain("ocx_validator_test_");
    expect((await app.request("/nothing")).status).toBe(404);
  });
});
