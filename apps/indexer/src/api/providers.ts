// GET /providers and /providers/:address: each provider's record (stake, leases, earnings, uptime, attestations,
// reputation); the detail adds its attestations and latest leases.
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { IndexedAttestation, IndexedProvider } from "@ocx/sdk";
import { Hono } from "hono";
import { and, desc, eq, gt, inArray, sql } from "ponder";
import { checksummed, indexedBlock, label, nowOf, reputations } from "./indexed";
import { leaseJson } from "./leases";
import { addressParam, BadRequest } from "./params";

async function providerRecords(addresses?: `0x${string}`[]): Promise<IndexedProvider[]> {
  const p = schema.provider;
  const rows = await db
    .select()
    .from(p)
    .where(addresses ? inArray(p.address, addresses) : undefined);
  const block = await indexedBlock();
  const now = nowOf(block);
  const list = rows.map((r) => r.address);
  const [scores, attestations, active] = await Promise.all([
    reputations(list, now),
    list.length === 0
      ? []
      : db
          .select()
          .from(schema.attestation)
          .where(and(inArray(schema.attestation.provider, list), gt(schema.attestation.expiresAt, now))),
    list.length === 0
      ? []
      : db
          .select({ provider: schema.lease.provider, n: sql<number>`count(*)` })
          .from(schema.lease)
          .where(and(inArray(schema.lease.provider, list), inArray(schema.lease.state, ["pending", "running"])))
          .groupBy(schema.lease.provider),
  ]);
  const activeBy = new Map(active.map((a) => [a.provider, Number(a.n)]));
  return rows.map((r) => {
    const mine = attestations.filter((a) => a.provider === r.address);
    // Uptime: the share of its leases that reached acknowledgement rather than a no-show.
    const acknowledged = r.completed + r.failed + r.noShows;
    return {
      address: checksummed(r.address),
      endpoint: r.endpoint,
      region: label(r.region),
      stake: r.stake.toString(),
      jailed: r.jailed,
      leases: r.leases,
      activeLeases: activeBy.get(r.address) ?? 0,
      completed: r.completed,
      failed: r.failed,
      noShows: r.noShows,
      earnings: r.earnings.toString(),
      uptime: acknowledged === 0 ? null : 1 - r.noShows / acknowledged,
      attestations: mine.length,
      verified: mine.length > 0,
      reputation: scores.get(r.address) ?? 0.5,
      slashes: r.slashes,
      slashed: r.slashed.toString(),
      registeredAt: Number(r.registeredAt),
    };
  });
}

/** This module's routes, mounted by ./index.ts. */
export const providerRoutes = new Hono();

providerRoutes.get("/providers", async (c) => {
  const sort = c.req.query("sort") ?? "reputation";
  if (!["reputation", "earnings", "leases"].includes(sort)) {
    throw new BadRequest(`sort must be reputation, earnings or leases, got ${JSON.stringify(sort)}`);
  }
  const providers = await providerRecords();
  providers.sort((a, b) =>
    sort === "earnings"
      ? Number(BigInt(b.earnings) - BigInt(a.earnings) > 0n) - Number(BigInt(b.earnings) < BigInt(a.earnings))
      : sort === "leases"
        ? b.leases - a.leases
        : b.reputation - a.reputation,
  );
  return c.json({ block: await indexedBlock(), providers });
});

providerRoutes.get("/providers/:address", async (c) => {
  const address = addressParam(c.req.param("address"), "address") as `0x${string}`;
  const [record] = await providerRecords([address]);
  if (!record) return c.json({ error: `no provider ${address} is indexed: it never registered or staked` }, 404);
  const block = await indexedBlock();
  const attestations: IndexedAttestation[] = (
    await db.select().from(schema.attestation).where(eq(schema.attestation.provider, address))
  ).map((a) => ({
    model: label(a.model),
    gpuIndex: a.gpuIndex,
    score: a.score,
    expiresAt: Number(a.expiresAt),
    challengeId: a.challengeId.toString(),
    validator: checksummed(a.validator),
  }));
  const leases = await db
    .select()
    .from(schema.lease)
    .where(eq(schema.lease.provider, address))
    .orderBy(desc(schema.lease.id))
    .limit(100);
  return c.json({ block, provider: record, attestations, leases: leases.map(leaseJson) });
});
