// GET /leases: leases newest first, live ones (pending or running) or by party; leaseJson is a lease's JSON.
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { IndexedLease } from "@ocx/sdk";
import { Hono } from "hono";
import { and, desc, eq, inArray } from "ponder";
import { checksummed, indexedBlock, label } from "./indexed";
import { addressParam, boolParam, intParam } from "./params";

export function leaseJson(r: typeof schema.lease.$inferSelect): IndexedLease {
  return {
    leaseId: r.id.toString(),
    buyer: checksummed(r.buyer),
    provider: checksummed(r.provider),
    offerId: r.offerId.toString(),
    requestId: r.requestId.toString(),
    gpuModel: label(r.gpuModel),
    gpuCount: r.gpuCount,
    pricePerSecond: r.pricePerSecond.toString(),
    deposit: r.deposit.toString(),
    paid: r.paid.toString(),
    fees: r.fees.toString(),
    state: r.state as IndexedLease["state"],
    exitCode: r.exitCode ?? null,
    createdAt: Number(r.createdAt),
    startedAt: r.startedAt === null ? null : Number(r.startedAt),
    endedAt: r.endedAt === null ? null : Number(r.endedAt),
  };
}

/** This module's routes, mounted by ./index.ts. */
export const leaseRoutes = new Hono();

leaseRoutes.get("/leases", async (c) => {
  const live = boolParam(c, "live") ?? false;
  const provider = addressParam(c.req.query("provider"), "provider");
  const buyer = addressParam(c.req.query("buyer"), "buyer");
  const limit = intParam(c, "limit", 100, 1, 1000);
  const l = schema.lease;
  const conditions = [
    live ? inArray(l.state, ["pending", "running"]) : undefined,
    provider ? eq(l.provider, provider) : undefined,
    buyer ? eq(l.buyer, buyer) : undefined,
  ].filter((x) => x !== undefined);
  const rows = await db
    .select()
    .from(l)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(l.id))
    .limit(limit);
  return c.json({ block: await indexedBlock(), leases: rows.map(leaseJson) });
});
