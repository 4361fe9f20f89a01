// GET /log: the raw event log, every event of every indexed contract as decoded from its ABI, newest first.
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { IndexedLogEntry, LogResponse } from "@ocx/sdk";
import { Hono } from "hono";
import { and, count, desc, eq, gte, lte } from "ponder";
import { deployment, indexedBlock } from "./indexed";
import { BadRequest, intParam } from "./params";

/** The most entries one answer holds: page with `offset` (or narrow the block range) for more. */
export const LOG_LIMIT_MAX = 1000;

const CONTRACTS = deployment.contracts.map((x) => x.name);

/** This module's routes, mounted by ./index.ts. */
export const logRoutes = new Hono();

logRoutes.get("/log", async (c) => {
  const contract = c.req.query("contract") || undefined;
  if (contract !== undefined && !CONTRACTS.includes(contract)) {
    throw new BadRequest(`contract must be one of ${CONTRACTS.join(", ")}, got ${JSON.stringify(contract)}`);
  }
  const event = c.req.query("event") || undefined;
  if (event !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(event)) {
    throw new BadRequest(
      `event must be an event's name as in the ABI (e.g. LeaseCreated), got ${JSON.stringify(event)}`,
    );
  }
  const fromBlock = intParam(c, "fromBlock", 0, 0, Number.MAX_SAFE_INTEGER);
  const toBlock = intParam(c, "toBlock", Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER);
  if (fromBlock > toBlock) throw new BadRequest(`fromBlock ${fromBlock} is after toBlock ${toBlock}`);
  const limit = intParam(c, "limit", 100, 1, LOG_LIMIT_MAX);
  const offset = intParam(c, "offset", 0, 0, 10_000_000);
  const block = await indexedBlock();
  const e = schema.eventLog;
  // Up to the indexed block: rows of a block still being written are not answered yet.
  const last = Math.min(toBlock, block?.number ?? -1);
  const where = and(
    contract ? eq(e.contract, contract) : undefined,
    event ? eq(e.event, event) : undefined,
    gte(e.blockNumber, BigInt(fromBlock)),
    lte(e.blockNumber, BigInt(last)),
  );
  const [rows, [counted]] = await Promise.all([
    db.select().from(e).where(where).orderBy(desc(e.blockNumber), desc(e.logIndex)).limit(limit).offset(offset),
    db.select({ n: count() }).from(e).where(where),
  ]);
  const body: LogResponse = {
    block,
    total: Number(counted?.n ?? 0),
    entries: rows.map(
      (r): IndexedLogEntry => ({
        contract: r.contract,
        event: r.event,
        args: r.args as Record<string, unknown>,
        blockNumber: Number(r.blockNumber),
        logIndex: r.logIndex,
        timestamp: Number(r.timestamp),
        txHash: r.txHash,
      }),
    ),
  };
  return c.json(body);
});
