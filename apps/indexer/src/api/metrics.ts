// GET /metrics/network: the network's figures over a window, as totals and buckets (definitions in docs/indexer.md).
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { NetworkMetricsPoint, NetworkMetricsResponse } from "@ocx/sdk";
import { PRICE_FEED_DECIMALS } from "@ocx/sdk";
import { Hono } from "hono";
import { and, desc, eq, gte, isNull, lte, or } from "ponder";
import { deployment, indexedBlock, nowOf, UNIT } from "./indexed";
import { BadRequest, intParam, WINDOWS, windowOf } from "./params";

function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The OCX/USD feed's last indexed answer (PriceFeed AnswerUpdated; 8 decimals, as Chainlink's), if any. */
async function lastOcxPrice(): Promise<{ answer: bigint; decimals: number } | null> {
  const e = schema.eventLog;
  const [row] = await db
    .select({ args: e.args })
    .from(e)
    .where(and(eq(e.contract, "PriceFeed"), eq(e.event, "AnswerUpdated")))
    .orderBy(desc(e.blockNumber), desc(e.logIndex))
    .limit(1);
  const current = (row?.args as { current?: string } | undefined)?.current;
  return current === undefined ? null : { answer: BigInt(current), decimals: PRICE_FEED_DECIMALS };
}

function overlap(start: bigint, end: bigint, from: bigint, to: bigint): bigint {
  const a = start > from ? start : from;
  const b = end < to ? end : to;
  return b > a ? b - a : 0n;
}

/** This module's routes, mounted by ./index.ts. */
export const metricsRoutes = new Hono();

metricsRoutes.get("/metrics/network", async (c) => {
  const window = windowOf(c.req.query("window"), "24h");
  const span = WINDOWS[window];
  const bucketSeconds = intParam(c, "bucket", Math.max(60, Math.floor(span / 48)), 60, span);
  if (span / bucketSeconds > 1000) throw new BadRequest(`bucket is too small: at most 1000 buckets per window`);
  const block = await indexedBlock();
  const to = nowOf(block) + 1n;
  const from = to - BigInt(span);
  const l = schema.lease;
  const o = schema.offer;
  const [leases, offers, settlements, supply] = await Promise.all([
    db
      .select()
      .from(l)
      .where(and(lte(l.createdAt, to), or(isNull(l.endedAt), gte(l.endedAt, from)))),
    db
      .select({
        gpuCount: o.gpuCount,
        maxLeases: o.maxLeases,
        postedAt: o.postedAt,
        withdrawnAt: o.withdrawnAt,
      })
      .from(o)
      .where(and(lte(o.postedAt, to), or(isNull(o.withdrawnAt), gte(o.withdrawnAt, from)))),
    db.select().from(schema.settlement).where(gte(schema.settlement.timestamp, from)),
    db.select().from(schema.supplyChange).where(gte(schema.supplyChange.timestamp, from)),
  ]);
  const ocxUsd = deployment.settlesInCredits ? null : await lastOcxPrice();
  // Dollars for display (a float): credits are dollars; OCX at the last indexed feed price, rounded down to a cent
  // of a millionth first so the float carries no more than the feed knows.
  const toUsd = (amount: bigint): number | null => {
    if (deployment.settlesInCredits) return Number(amount) / 1e18;
    if (!ocxUsd) return null;
    return Number((amount * ocxUsd.answer) / 10n ** BigInt(ocxUsd.decimals) / 10n ** 12n) / 1e6;
  };
  const point = (start: bigint, end: bigint): NetworkMetricsPoint => {
    let leased = 0n;
    let offered = 0n;
    const providers = new Set<string>();
    const buyers = new Set<string>();
    let completed = 0;
    let failed = 0;
    let cancelled = 0;
    let noShows = 0;
    const waits: number[] = [];
    for (const x of leases) {
      const running = x.startedAt === null ? 0n : overlap(x.startedAt, x.endedAt ?? end, start, end);
      leased += running * BigInt(x.gpuCount);
      if (running > 0n || (x.createdAt >= start && x.createdAt < end)) {
        providers.add(x.provider);
        buyers.add(x.buyer);
      }
      if (x.endedAt !== null && x.endedAt >= start && x.endedAt < end) {
        if (x.exitCode !== null) {
          if (x.exitCode === 0) completed++;
          else failed++;
        } else if (x.state === "closed") cancelled++;
        if (x.noShow) noShows++;
      }
      if (x.startedAt !== null && x.startedAt >= start && x.startedAt < end) {
        waits.push(Number(x.startedAt - x.createdAt));
      }
    }
    for (const x of offers) {
      offered += overlap(x.postedAt, x.withdrawnAt ?? end, start, end) * BigInt(x.gpuCount * x.maxLeases);
    }
    let revenue = 0n;
    let fees = 0n;
    for (const s of settlements) {
      if (s.timestamp >= start && s.timestamp < end) {
        revenue += s.paid;
        fees += s.fee;
      }
    }
    const supplied: Record<string, bigint> = { mint: 0n, burn: 0n, creditsMint: 0n, creditsBurn: 0n };
    for (const s of supply) {
      if (s.timestamp >= start && s.timestamp < end) supplied[s.kind] = (supplied[s.kind] ?? 0n) + s.amount;
    }
    waits.sort((a, b) => a - b);
    return {
      start: Number(start),
      end: Number(end),
      utilization: offered === 0n ? 0 : Number(leased) / Number(offered),
      gpuSecondsLeased: Number(leased),
      gpuSecondsOffered: Number(offered),
      gpuHoursServed: Number(leased) / 3600,
      revenue: revenue.toString(),
      revenueUsd: toUsd(revenue),
      fees: fees.toString(),
      ocxBurned: (supplied.burn ?? 0n).toString(),
      ocxEmitted: (supplied.mint ?? 0n).toString(),
      creditsMinted: (supplied.creditsMint ?? 0n).toString(),
      creditsBurned: (supplied.creditsBurn ?? 0n).toString(),
      activeProviders: providers.size,
      activeBuyers: buyers.size,
      jobsCompleted: completed,
      jobsFailed: failed,
      jobsCancelled: cancelled,
      medianRequestToRunningSeconds: median(waits),
      noShows,
    };
  };
  const series: NetworkMetricsPoint[] = [];
  for (let start = from; start < to; start += BigInt(bucketSeconds)) {
    const end = start + BigInt(bucketSeconds) < to ? start + BigInt(bucketSeconds) : to;
    series.push(point(start, end));
  }
  const body: NetworkMetricsResponse = {
    block,
    unit: UNIT,
    window,
    bucketSeconds,
    from: Number(from),
    to: Number(to),
    totals: point(from, to),
    series,
  };
  return c.json(body);
});
