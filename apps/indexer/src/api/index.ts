// The indexer's HTTP API (packages/sdk/src/indexer/types.ts has every route's JSON). Public and read-only: every
// query parameter is checked before the database is read, and a bad one is answered 400 naming it. Ponder serves
// /health, /ready, /status and /metrics itself. The dashboard's static files are served at /.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { db } from "ponder:api";
import schema from "ponder:schema";
import type {
  IndexedAttestation,
  IndexedBlock,
  IndexedLease,
  IndexedOffer,
  IndexedProvider,
  IndexerStatus,
  MetricsWindow,
  NetworkMetricsPoint,
  NetworkMetricsResponse,
  OffersResponse,
} from "@ocx/sdk";
import {
  fromLabel,
  OFFER_STATES,
  OfferState,
  PRICE_FEED_DECIMALS,
  type ReputationEvent,
  reputationFromEvents,
  toLabel,
} from "@ocx/sdk";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { and, asc, desc, eq, gt, gte, inArray, isNull, lte, or, sql } from "ponder";
import { getAddress, isAddress } from "viem";
import { loadIndexedDeployment } from "../../contracts";

const deployment = loadIndexedDeployment();
const app = new Hono();
/** What the market's amounts count: dollars when it settles in credits, else OCX. */
const UNIT = deployment.settlesInCredits ? "usd" : "ocx";

class BadRequest extends Error {}

const WINDOWS: Record<MetricsWindow, number> = { "1h": 3600, "24h": 86_400, "7d": 604_800, "30d": 2_592_000 };
const CPU_LABEL = toLabel("cpu");
/** The label a CPU-only bundle is posted with (the provider node's), as `gpuModel=cpu` also matches. */
const EMPTY_LABEL = toLabel("");

function windowOf(value: string | undefined, fallback: MetricsWindow): MetricsWindow {
  if (value === undefined) return fallback;
  if (!(value in WINDOWS)) throw new BadRequest(`window must be one of 1h, 24h, 7d, 30d, got ${JSON.stringify(value)}`);
  return value as MetricsWindow;
}

function intParam(c: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new BadRequest(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function boolParam(c: Context, name: string): boolean | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new BadRequest(`${name} must be 1 or 0 (true or false), got ${JSON.stringify(raw)}`);
}

/** A number from 0 to 1 (a share, a reputation), as decimal text. */
function fractionParam(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || !(n >= 0 && n <= 1)) {
    throw new BadRequest(`${name} must be a number from 0 to 1 (e.g. 0.6), got ${JSON.stringify(raw)}`);
  }
  return n;
}

function addressParam(value: string | undefined, name: string): `0x${string}` | undefined {
  if (value === undefined || value === "") return undefined;
  if (!isAddress(value))
    throw new BadRequest(`${name} must be an address (0x + 40 hex digits), got ${JSON.stringify(value)}`);
  return getAddress(value);
}

function labelParam(value: string | undefined, name: string): `0x${string}` | undefined {
  if (value === undefined || value === "") return undefined;
  try {
    return toLabel(value);
  } catch {
    throw new BadRequest(
      `${name} must be a label of at most 31 printable ASCII characters, got ${JSON.stringify(value)}`,
    );
  }
}

function label(hex: `0x${string}`): string {
  return hex.length === 66 ? fromLabel(hex) : "";
}

/**
 * The block every answer includes: the last one whose rows are all written. Not simply the newest `block` row: Ponder
 * writes a block's rows table by table (on PGlite outside any transaction, yielding between tables), so a query
 * can run after the `block` row of block N and before that block's leases. Ponder moves its checkpoint (the
 * `_ponder_checkpoint` row its own /status reads) only once every table is written, so answers name the newest
 * processed block at or below it. Their figures include that block (and, on PGlite, maybe part of the next).
 */
async function indexedBlock(): Promise<IndexedBlock | null> {
  const result = await db.execute(
    sql`select latest_checkpoint from _ponder_checkpoint where chain_id = ${deployment.chainId}`,
  );
  const checkpoint = (result.rows[0] as { latest_checkpoint?: unknown } | undefined)?.latest_checkpoint;
  if (typeof checkpoint !== "string") return null;
  // Ponder's checkpoint: 10 digits of block time, 16 of chain id, 16 of block number, then the event's position.
  const reached = BigInt(checkpoint.slice(26, 42));
  const [row] = await db
    .select()
    .from(schema.block)
    .where(lte(schema.block.number, reached))
    .orderBy(desc(schema.block.number))
    .limit(1);
  return row ? { number: Number(row.number), timestamp: Number(row.timestamp), hash: row.hash } : null;
}

/** Chain time of the last indexed block (wall clock before the first). */
function nowOf(block: IndexedBlock | null): bigint {
  return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
}

/** Reputation per provider from the indexed reputation events (the SDK's formula, exact). */
async function reputations(providers: `0x${string}`[], now: bigint): Promise<Map<string, number>> {
  const scores = new Map<string, number>();
  if (providers.length === 0) return scores;
  const rows = await db
    .select()
    .from(schema.reputationEvent)
    .where(inArray(schema.reputationEvent.provider, providers));
  const byProvider = new Map<string, ReputationEvent[]>();
  for (const r of rows) {
    const list = byProvider.get(r.provider) ?? [];
    list.push({ kind: r.kind as ReputationEvent["kind"], at: r.at });
    byProvider.set(r.provider, list);
  }
  for (const p of providers) scores.set(p, reputationFromEvents(byProvider.get(p) ?? [], now).score);
  return scores;
}

/** Current attestations per `${provider}-${model}`: how many GPU indices hold one that has not expired. */
async function attestedGpus(providers: `0x${string}`[], now: bigint): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (providers.length === 0) return counts;
  const rows = await db
    .select()
    .from(schema.attestation)
    .where(and(inArray(schema.attestation.provider, providers), gt(schema.attestation.expiresAt, now)));
  for (const r of rows) counts.set(`${r.provider}-${r.model}`, (counts.get(`${r.provider}-${r.model}`) ?? 0) + 1);
  return counts;
}

function isVerified(attested: Map<string, number>, p: `0x${string}`, gpuModel: `0x${string}`, gpuCount: number) {
  const model = gpuCount === 0 || /^0x0+$/.test(gpuModel) ? CPU_LABEL : gpuModel;
  return (attested.get(`${p}-${model}`) ?? 0) >= Math.max(gpuCount, 1);
}

app.onError((error, c) => {
  if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
  console.error(`indexer api: ${c.req.method} ${c.req.path} failed: ${error.message}`);
  return c.json({ error: `the indexer failed to answer: ${error.message}` }, 500);
});

app.get("/info", async (c) => {
  const block = await indexedBlock();
  const body: IndexerStatus = {
    chainId: deployment.chainId,
    block,
    contracts: Object.fromEntries(deployment.contracts.map((x) => [x.key, x.address])),
    paymentToken: deployment.paymentToken,
    unit: UNIT,
  };
  return c.json(body);
});

/**
 * Answers of `/offers` at the last indexed block, by query string. The order book changes only when a block is
 * indexed (the indexed block moves, with a new hash on a reorganisation too), so buyers asking the same question between
 * blocks get the answer already computed: the 2,500 matching offers of a 10,000-offer book are read and judged once.
 */
const offersAnswers = {
  hash: "",
  answers: new Map<string, string>(),
  get(block: IndexedBlock | null, query: string): string | undefined {
    return block && block.hash === this.hash ? this.answers.get(query) : undefined;
  },
  set(block: IndexedBlock | null, query: string, text: string): void {
    if (!block) return;
    if (block.hash !== this.hash || this.answers.size >= 32) {
      this.hash = block.hash;
      this.answers.clear();
    }
    this.answers.set(query, text);
  },
};

app.get("/offers", async (c) => {
  const gpuModel = labelParam(c.req.query("gpuModel"), "gpuModel");
  const region = labelParam(c.req.query("region"), "region");
  const verified = boolParam(c, "verified");
  const provider = addressParam(c.req.query("provider"), "provider");
  const maxPriceRaw = c.req.query("maxPrice");
  if (maxPriceRaw !== undefined && !/^\d{1,78}$/.test(maxPriceRaw)) {
    throw new BadRequest(`maxPrice must be wei per GPU-hour as a whole number, got ${JSON.stringify(maxPriceRaw)}`);
  }
  const sort = c.req.query("sort") ?? "price";
  if (sort !== "price" && sort !== "reputation" && sort !== "id") {
    throw new BadRequest(`sort must be price, reputation or id, got ${JSON.stringify(sort)}`);
  }
  const minGpus = intParam(c, "minGpus", 0, 0, 65_535);
  const minReputation = fractionParam(c, "minReputation");
  const stateParam = c.req.query("state") ?? "active";
  if (stateParam !== "active" && stateParam !== "all") {
    throw new BadRequest(`state must be active or all, got ${JSON.stringify(stateParam)}`);
  }
  const limit = intParam(c, "limit", 100, 1, 100_000);
  const offset = intParam(c, "offset", 0, 0, 1_000_000);
  const block = await indexedBlock();
  const cached = offersAnswers.get(block, new URL(c.req.url).search);
  if (cached !== undefined) return c.body(cached, 200, { "content-type": "application/json" });
  const o = schema.offer;
  const conditions = [
    stateParam === "active" ? eq(o.state, OfferState.Active) : undefined,
    gpuModel === CPU_LABEL
      ? or(eq(o.gpuCount, 0), eq(o.gpuModel, EMPTY_LABEL), eq(o.gpuModel, CPU_LABEL))
      : gpuModel
        ? eq(o.gpuModel, gpuModel)
        : undefined,
    minGpus > 0 ? gte(o.gpuCount, minGpus) : undefined,
    region ? eq(o.region, region) : undefined,
    provider ? eq(o.provider, provider) : undefined,
    maxPriceRaw !== undefined ? lte(o.pricePerGpuHour, BigInt(maxPriceRaw)) : undefined,
  ].filter((x) => x !== undefined);
  const rows = await db
    .select()
    .from(o)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(...(sort === "id" ? [asc(o.id)] : [asc(o.pricePerGpuHour), asc(o.id)]));
  const now = nowOf(block);
  const providers = [...new Set(rows.map((r) => r.provider))];
  const [scores, attested] = await Promise.all([reputations(providers, now), attestedGpus(providers, now)]);
  let offers: IndexedOffer[] = rows.map((r) => ({
    offerId: r.id.toString(),
    provider: r.provider,
    state: r.state,
    stateName: OFFER_STATES[r.state] ?? `unknown(${r.state})`,
    gpuModel: label(r.gpuModel),
    gpuModelLabel: r.gpuModel,
    region: label(r.region),
    regionLabel: r.region,
    gpuCount: r.gpuCount,
    gpuVramMiB: r.gpuVramMiB,
    cpuMillicores: r.cpuMillicores,
    memoryMiB: r.memoryMiB,
    diskMiB: r.diskMiB,
    pricePerSecond: r.pricePerSecond.toString(),
    pricePerGpuHour: r.pricePerGpuHour.toString(),
    maxLeases: r.maxLeases,
    activeLeases: r.activeLeases,
    minDuration: Number(r.minDuration),
    maxDuration: Number(r.maxDuration),
    verified: isVerified(attested, r.provider, r.gpuModel, r.gpuCount),
    reputation: scores.get(r.provider) ?? 0.5,
    postedAt: Number(r.postedAt),
    postedBlock: Number(r.postedBlock),
  }));
  if (verified !== undefined) offers = offers.filter((x) => x.verified === verified);
  if (minReputation !== undefined) offers = offers.filter((x) => x.reputation >= minReputation);
  if (sort === "reputation") offers.sort((a, b) => b.reputation - a.reputation); // stable: ties stay by price
  const body: OffersResponse = { block, total: offers.length, offers: offers.slice(offset, offset + limit) };
  const text = JSON.stringify(body);
  offersAnswers.set(block, new URL(c.req.url).search, text);
  return c.body(text, 200, { "content-type": "application/json" });
});

function leaseJson(r: typeof schema.lease.$inferSelect): IndexedLease {
  return {
    leaseId: r.id.toString(),
    buyer: r.buyer,
    provider: r.provider,
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

app.get("/leases", async (c) => {
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
      address: r.address,
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

app.get("/providers", async (c) => {
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

app.get("/providers/:address", async (c) => {
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
    validator: a.validator,
  }));
  const leases = await db
    .select()
    .from(schema.lease)
    .where(eq(schema.lease.provider, address))
    .orderBy(desc(schema.lease.id))
    .limit(100);
  return c.json({ block, provider: record, attestations, leases: leases.map(leaseJson) });
});

function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The q-quantile of sorted bigints (nearest rank, rounded down in index: the lower of two middles). */
function quantile(sorted: bigint[], q: number): bigint {
  if (sorted.length === 0) return 0n;
  return sorted[Math.floor(q * (sorted.length - 1))] as bigint;
}

app.get("/prices", async (c) => {
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

app.get("/metrics/network", async (c) => {
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

// Live channel: one `block` event per newly indexed block (the indexed block is read every 250 ms).
app.get("/events", (c) =>
  streamSSE(c, async (stream) => {
    let last = -1;
    let sinceping = 0;
    let open = true;
    stream.onAbort(() => {
      open = false;
    });
    while (open) {
      const block = await indexedBlock();
      if (block && block.number !== last) {
        last = block.number;
        await stream.writeSSE({ event: "block", data: JSON.stringify(block) });
      }
      sinceping += 250;
      if (sinceping >= 15_000) {
        sinceping = 0;
        await stream.write(": ping\n\n");
      }
      await stream.sleep(250);
    }
  }),
);

// The dashboard (apps/indexer/dashboard/, I2's page): static files, `/` is its index.html.
const dashboardDir = path.resolve(
  process.env.OCX_DASHBOARD_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "dashboard"),
);
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};
app.get("/*", async (c) => {
  const rel = decodeURIComponent(c.req.path === "/" ? "/index.html" : c.req.path);
  const file = path.resolve(dashboardDir, `.${rel}`);
  if (!file.startsWith(dashboardDir + path.sep)) return c.json({ error: `no such path ${c.req.path}` }, 404);
  try {
    const body = await readFile(file);
    return c.body(body, 200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
  } catch {
    return c.json({ error: `no such path ${c.req.path}: see packages/sdk/src/indexer/types.ts for the routes` }, 404);
  }
});

export default app;
