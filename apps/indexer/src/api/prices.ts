// GET /prices: the price index per GPU model (median, quartiles) of leases created in a window.
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { gte } from "ponder";
import { indexedBlock, label, nowOf } from "./indexed";
import { WINDOWS, windowOf } from "./params";

/** The q-quantile of sorted bigints (nearest rank, rounded down in index: the lower of two middles). */
function quantile(sorted: bigint[], q: number): bigint {
  if (sorted.length === 0) return 0n;
  return sorted[Math.floor(q * (sorted.length - 1))] as bigint;
}

/** This module's routes, mounted by ./index.ts. */
export const priceRoutes = new Hono();

priceRoutes.get("/prices", async (c) => {
  const window = windowOf(c.req.query("window"), "7d");
  const block = await indexedBlock();
  const from = nowOf(block) - BigInt(WINDOWS[window]);
  const rows = await db
    .select({ gpuModel: schema.lease.gpuModel, gpuCount: schema.lease.gpuCount, price: schema.lease.pricePerSecond })
    .from(schema.lease)
    .where(gte(schema.lease.createdAt, from));
  const byModel = new Map<string, bigint[]>();
  for (const r of rows) {
    const model = r.gpuCount === 0 ? "cpu" : label(r.gpuModel) || "unknown";
    const list = byModel.get(model) ?? [];
    list.push((r.price * 3600n) / BigInt(Math.max(r.gpuCount, 1)));
    byModel.set(model, list);
  }
  const models = [...byModel.entries()]
    .map(([gpuModel, prices]) => {
      prices.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const p25 = quantile(prices, 0.25);
      const p75 = quantile(prices, 0.75);
      return {
        gpuModel,
        leases: prices.length,
        median: quantile(prices, 0.5).toString(),
        p25: p25.toString(),
        p75: p75.toString(),
        iqr: (p75 - p25).toString(),
      };
    })
    .sort((a, b) => a.gpuModel.localeCompare(b.gpuModel));
  return c.json({ block, window, models });
});
