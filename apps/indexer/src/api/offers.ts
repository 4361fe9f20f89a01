// GET /offers: the order book, judged (verified, reputation) at the indexed block, filtered, sorted and paged; the
// answer kept per block and query string.
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { IndexedBlock, IndexedOffer, OffersResponse } from "@ocx/sdk";
import { OFFER_STATES, OfferState, toLabel } from "@ocx/sdk";
import { Hono } from "hono";
import { and, asc, eq, gt, gte, inArray, lte, or, sql } from "ponder";
import { checksummed, indexedBlock, label, nowOf, reputations } from "./indexed";
import { addressParam, BadRequest, boolParam, fractionParam, intParam, labelParam } from "./params";

const CPU_LABEL = toLabel("cpu");
/** The label a CPU-only bundle is posted with (the provider node's), as `gpuModel=cpu` also matches. */
const EMPTY_LABEL = toLabel("");

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

/** This module's routes, mounted by ./index.ts. */
export const offerRoutes = new Hono();

offerRoutes.get("/offers", async (c) => {
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
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const order = sort === "id" ? [asc(o.id)] : [asc(o.pricePerGpuHour), asc(o.id)];
  // Trust (verified, reputation) is judged here, not in SQL. A question that filters or sorts by it reads every
  // matching row; any other reads the count and its page only, and judges the page: the first 100 of 2,500 H100
  // offers are then judged right after a new block in a fraction of the time the whole book would take.
  const judgedFirst = verified !== undefined || minReputation !== undefined || sort === "reputation";
  let rows: (typeof o.$inferSelect)[];
  let total: number | undefined;
  if (judgedFirst) {
    rows = await db
      .select()
      .from(o)
      .where(where)
      .orderBy(...order);
  } else {
    const [counted, page] = await Promise.all([
      db.select({ n: sql<number>`count(*)` }).from(o).where(where),
      db
        .select()
        .from(o)
        .where(where)
        .orderBy(...order)
        .limit(limit)
        .offset(offset),
    ]);
    total = Number(counted[0]?.n ?? 0);
    rows = page;
  }
  const now = nowOf(block);
  const providers = [...new Set(rows.map((r) => r.provider))];
  const [scores, attested] = await Promise.all([reputations(providers, now), attestedGpus(providers, now)]);
  let offers: IndexedOffer[] = rows.map((r) => ({
    offerId: r.id.toString(),
    provider: checksummed(r.provider),
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
  const body: OffersResponse =
    total === undefined
      ? { block, total: offers.length, offers: offers.slice(offset, offset + limit) }
      : { block, total, offers };
  const text = JSON.stringify(body);
  offersAnswers.set(block, new URL(c.req.url).search, text);
  return c.body(text, 200, { "content-type": "application/json" });
});
