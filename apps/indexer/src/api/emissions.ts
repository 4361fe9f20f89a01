// GET /emissions: per epoch with recorded work, what it emits, the work recorded and what was claimed, by whom.
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { EmissionsResponse, IndexedEmissionEpoch } from "@ocx/sdk";
import { Hono } from "hono";
import { asc, count, desc, inArray } from "ponder";
import { checksummed, indexedBlock } from "./indexed";
import { intParam } from "./params";

const time = (x: bigint | null) => (x === null ? null : Number(x));

/** This module's routes, mounted by ./index.ts. */
export const emissionRoutes = new Hono();

emissionRoutes.get("/emissions", async (c) => {
  const limit = intParam(c, "limit", 20, 1, 500);
  const offset = intParam(c, "offset", 0, 0, 1_000_000);
  const block = await indexedBlock();
  const e = schema.emissionEpoch;
  const [epochs, [counted]] = await Promise.all([
    db.select().from(e).orderBy(desc(e.epoch)).limit(limit).offset(offset),
    db.select({ n: count() }).from(e),
  ]);
  const shares =
    epochs.length === 0
      ? []
      : await db
          .select()
          .from(schema.emissionShare)
          .where(
            inArray(
              schema.emissionShare.epoch,
              epochs.map((x) => x.epoch),
            ),
          )
          .orderBy(asc(schema.emissionShare.provider));
  const body: EmissionsResponse = {
    block,
    total: Number(counted?.n ?? 0),
    epochs: epochs.map(
      (x): IndexedEmissionEpoch => ({
        epoch: Number(x.epoch),
        start: time(x.start),
        end: time(x.end),
        emission: x.emission === null ? null : x.emission.toString(),
        units: x.units.toString(),
        claimed: x.claimed.toString(),
        shares: shares
          .filter((s) => s.epoch === x.epoch)
          .map((s) => ({
            provider: checksummed(s.provider),
            units: s.units.toString(),
            seconds: s.seconds.toString(),
            reward: s.reward === null ? null : s.reward.toString(),
            forfeited: s.forfeited,
            claimedAt: time(s.claimedAt),
          })),
      }),
    ),
  };
  return c.json(body);
});
