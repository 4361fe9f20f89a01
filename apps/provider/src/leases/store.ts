// The provider's durable state in SQLite: leases and what runs for them, bid reservations, the
// chain cursor and the signatures already used. Everything the node needs after a SIGKILL is here.
import { openStore, type Store, TX_MIGRATION } from "@ocx/node-kit";
import type { ProviderLeaseStatus } from "@ocx/sdk";

/**
 * Where a lease stands on this node. The order of a happy lease:
 * `pending` (seen, not acknowledged) → `acknowledged` (waiting for the buyer's manifest)
 * → `running` → `finishing` (workload ended; packing outputs, completing on-chain) → `completed`.
 * Other ends: `cancelled` (before acknowledgement), `closed` (the buyer closed it), `exhausted`
 * (the escrow ran out and the workload was stopped), `failed` (the node could not run it).
 */
export type LeasePhase = ProviderLeaseStatus["phase"];

/** The compute a lease bought, in the units the workload limits use. */
export interface LeaseBundle {
  gpuCount: number;
  cpuMillicores: number;
  memoryMiB: number;
  diskMiB: number;
}

export const FINAL_PHASES: readonly LeasePhase[] = ["completed", "cancelled", "closed", "exhausted", "failed"];

export interface LeaseRecord {
  id: bigint;
  buyer: `0x${string}`;
  offerId: bigint;
  requestId: bigint;
  pricePerSecond: bigint;
  deposit: bigint;
  manifestHash: `0x${string}`;
  ackDeadline: number;
  phase: LeasePhase;
  /** Chain time of the acknowledgement; payment accrues from here. */
  startedAt: number | null;
  gpus: string[];
  /** What the lease bought: the offer's bundle, or the request's requirements. */
  bundle: LeaseBundle | null;
  /** The canonical manifest JSON the buyer uploaded. */
  manifest: string | null;
  pid: number | null;
  cgroup: string | null;
  exitCode: number | null;
  oomKilled: boolean;
  resultHash: `0x${string}` | null;
  resultSize: number | null;
  /** Why the lease is in its phase, for people reading `status`. */
  message: string;
  updatedAt: number;
}

const MIGRATIONS = [
  `CREATE TABLE lease (
    id TEXT PRIMARY KEY,
    buyer TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    price_per_second TEXT NOT NULL,
    deposit TEXT NOT NULL,
    manifest_hash TEXT NOT NULL,
    ack_deadline INTEGER NOT NULL,
    phase TEXT NOT NULL,
    started_at INTEGER,
    gpus TEXT NOT NULL DEFAULT '[]',
    bundle TEXT,
    manifest TEXT,
    pid INTEGER,
    cgroup TEXT,
    exit_code INTEGER,
    oom_killed INTEGER NOT NULL DEFAULT 0,
    result_hash TEXT,
    result_size INTEGER,
    message TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX lease_phase ON lease (phase);
  CREATE TABLE reservation (
    request_id TEXT PRIMARY KEY,
    gpus TEXT NOT NULL,
    price_per_second TEXT,
    state TEXT NOT NULL,
    deadline INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE used_signature (signature TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
  ${TX_MIGRATION}`,
];

interface LeaseRow {
  id: string;
  buyer: string;
  offer_id: string;
  request_id: string;
  price_per_second: string;
  deposit: string;
  manifest_hash: string;
  ack_deadline: number;
  phase: LeasePhase;
  started_at: number | null;
  gpus: string;
  bundle: string | null;
  manifest: string | null;
  pid: number | null;
  cgroup: string | null;
  exit_code: number | null;
  oom_killed: number;
  result_hash: string | null;
  result_size: number | null;
  message: string;
  updated_at: number;
}

const fromRow = (r: LeaseRow): LeaseRecord => ({
  id: BigInt(r.id),
  buyer: r.buyer as `0x${string}`,
  offerId: BigInt(r.offer_id),
  requestId: BigInt(r.request_id),
  pricePerSecond: BigInt(r.price_per_second),
  deposit: BigInt(r.deposit),
  manifestHash: r.manifest_hash as `0x${string}`,
  ackDeadline: r.ack_deadline,
  phase: r.phase,
  startedAt: r.started_at,
  gpus: JSON.parse(r.gpus) as string[],
  bundle: r.bundle ? (JSON.parse(r.bundle) as LeaseBundle) : null,
  manifest: r.manifest,
  pid: r.pid,
  cgroup: r.cgroup,
  exitCode: r.exit_code,
  oomKilled: r.oom_killed === 1,
  resultHash: r.result_hash as `0x${string}` | null,
  resultSize: r.result_size,
  message: r.message,
  updatedAt: r.updated_at,
});

const COLUMNS: Record<keyof Omit<LeaseRecord, "id" | "updatedAt">, string> = {
  buyer: "buyer",
  offerId: "offer_id",
  requestId: "request_id",
  pricePerSecond: "price_per_second",
  deposit: "deposit",
  manifestHash: "manifest_hash",
  ackDeadline: "ack_deadline",
  phase: "phase",
  startedAt: "started_at",
  gpus: "gpus",
  bundle: "bundle",
  manifest: "manifest",
  pid: "pid",
  cgroup: "cgroup",
  exitCode: "exit_code",
  oomKilled: "oom_killed",
  resultHash: "result_hash",
  resultSize: "result_size",
  message: "message",
};

const toColumn = (value: unknown): unknown =>
  typeof value === "bigint"
    ? value.toString()
    : typeof value === "boolean"
      ? Number(value)
      : value !== null && typeof value === "object"
        ? JSON.stringify(value)
        : value;

/** The provider's state database. */
export class ProviderStore {
  readonly db: Store;

  constructor(file: string) {
    this.db = openStore(file, MIGRATIONS);
  }

  /** Records a lease seen on-chain; a lease already known is left as it is. Returns true if it was new. */
  insertLease(
    lease: Pick<
      LeaseRecord,
      "id" | "buyer" | "offerId" | "requestId" | "pricePerSecond" | "deposit" | "manifestHash" | "ackDeadline"
    >,
  ): boolean {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO lease (id, buyer, offer_id, request_id, price_per_second, deposit, manifest_hash, ack_deadline, phase, message, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 'waiting for acknowledgement', ?)`,
      )
      .run(
        lease.id.toString(),
        lease.buyer,
        lease.offerId.toString(),
        lease.requestId.toString(),
        lease.pricePerSecond.toString(),
        lease.deposit.toString(),
        lease.manifestHash,
        lease.ackDeadline,
        Date.now(),
      );
    return result.changes === 1;
  }

  getLease(id: bigint): LeaseRecord | undefined {
    const row = this.db.prepare<[string], LeaseRow>("SELECT * FROM lease WHERE id = ?").get(id.toString());
    return row && fromRow(row);
  }

  /** Changes the given fields of a lease. */
  updateLease(id: bigint, fields: Partial<Omit<LeaseRecord, "id" | "updatedAt">>): LeaseRecord {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    const sets = entries.map(([k]) => `${COLUMNS[k as keyof typeof COLUMNS]} = ?`);
    this.db
      .prepare(`UPDATE lease SET ${[...sets, "updated_at = ?"].join(", ")} WHERE id = ?`)
      .run(...entries.map(([, v]) => toColumn(v)), Date.now(), id.toString());
    const lease = this.getLease(id);
    if (!lease) throw new Error(`lease ${id} is not in the store`);
    return lease;
  }

  /** Leases that are not in a final phase. */
  liveLeases(): LeaseRecord[] {
    const placeholders = FINAL_PHASES.map(() => "?").join(", ");
    return this.db
      .prepare<string[], LeaseRow>(
        `SELECT * FROM lease WHERE phase NOT IN (${placeholders}) ORDER BY CAST(id AS INTEGER)`,
      )
      .all(...FINAL_PHASES)
      .map(fromRow);
  }

  allLeases(limit = 1000): LeaseRecord[] {
    return this.db
      .prepare<[number], LeaseRow>("SELECT * FROM lease ORDER BY CAST(id AS INTEGER) DESC LIMIT ?")
      .all(limit)
      .map(fromRow);
  }

  getMeta(key: string): string | undefined {
    return this.db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(key, value);
  }

  /**
   * Records a request signature as used until `expiresAt` (unix seconds). Returns false when it was
   * already used: a replay. Expired entries are dropped as new ones arrive.
   */
  useSignature(signature: string, expiresAt: number, now: number): boolean {
    this.db.prepare("DELETE FROM used_signature WHERE expires_at < ?").run(now);
    const result = this.db
      .prepare("INSERT OR IGNORE INTO used_signature (signature, expires_at) VALUES (?, ?)")
      .run(signature.toLowerCase(), expiresAt);
    return result.changes === 1;
  }

  close(): void {
    this.db.close();
  }
}
