// What the API's routes share about the indexed chain: the deployment, the block answers include, its time,
// labels as text and providers' reputations.
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { IndexedBlock } from "@ocx/sdk";
import { fromLabel, type ReputationEvent, reputationFromEvents } from "@ocx/sdk";
import { desc, inArray, lte, sql } from "ponder";
import { getAddress } from "viem";
import { loadIndexedDeployment } from "../../contracts";

/** The deployment indexed (OCX_DEPLOYMENT_FILE). */
export const deployment = loadIndexedDeployment();
/** What the market's amounts count: dollars when it settles in credits, else OCX. */
export const UNIT = deployment.settlesInCredits ? "usd" : "ocx";

const checksums = new Map<string, `0x${string}`>();

/**
 * An address as the API answers it: checksummed (EIP-55), as the chain's own reads give it. Ponder keeps addresses
 * lower-case; the checksum is a keccak, and a book of 10,000 offers has few providers, so each is computed once.
 */
export function checksummed(address: string): `0x${string}` {
  let text = checksums.get(address);
  if (text === undefined) {
    text = getAddress(address);
    if (checksums.size >= 100_000) checksums.clear();
    checksums.set(address, text);
  }
  return text;
}

/** A bytes32 label as text ("" for anything else). */
export function label(hex: `0x${string}`): string {
  return hex.length === 66 ? fromLabel(hex) : "";
}

/**
 * The block every answer includes: the last one whose rows are all written. Not simply the newest `block` row: Ponder
 * writes a block's rows table by table (on PGlite outside any transaction, yielding between tables), so a query
 * can run after the `block` row of block N and before that block's leases. Ponder moves its checkpoint (the
 * `_ponder_checkpoint` row its own /status reads) only once every table is written, so answers name the newest
 * processed block at or below it. Their figures include that block (and, on PGlite, maybe part of the next).
 */
export async function indexedBlock(): Promise<IndexedBlock | null> {
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
export function nowOf(block: IndexedBlock | null): bigint {
  return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
}

/** Reputation per provider from the indexed reputation events (the SDK's formula, exact). */
export async function reputations(providers: `0x${string}`[], now: bigint): Promise<Map<string, number>> {
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
