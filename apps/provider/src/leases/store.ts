// The provider's durable state in SQLite: leases and what runs for them, bid reservations, the
// chain cursor and the signatures already used. Everything the node needs after a SIGKILL is here.
import { openStore, type Store, TX_MIGRATION } from "@ocx/node-kit";
import { FINAL_PHASES, type LeasePhase } from "./machine.js";

export type { LeasePhase } from "./machine.js";
export { FINAL_PHASES } from "./machine.js";

/** The compute a lease bought, in the units the workload limits use. */
export interface LeaseBundle {
  gpuCount: number;
  cpuMillicores: number;
  memoryMiB: number;
  diskMiB: number;
}

/** What kind of lease: a batch job, or long-running services (each has its own machine, machine.ts). */
export type LeaseKind = "batch" | "service";

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
  kind: LeaseKind;
  /** When the workload exited (from its exit status), in chain time (unix seconds): billing stops here, not when packing ends. */
  endedAt: number | null;
  /** When the node last saw the workload alive, in chain time: the end to bill when nothing recorded its exit. */
  aliveAt: number | null;
  /** Unix seconds the escrow pays up to (settledAt + ceil(escrow / price)); the node stops the workload then by its own clock. */
  paidUntil: number | null;
  /** Milliseconds since the epoch when the lease reached a final phase; retention counts from here. */
  finalAt: number | null;
  /** Milliseconds since the epoch when retention removed the lease's files. */
  cleanedAt: number | null;
  /** A stopping service lease: the phase it ends in once its services are stopped (closed or exhausted). */
  stopTo: LeasePhase | null;
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
  // 2: the lease machine's bookkeeping (kind, exit and alive times, paid-until, retention), the
  // history of every state machine move, and the provider-signed quotes' nonces.
  `ALTER TABLE lease ADD COLUMN kind TEXT NOT NULL DEFAULT 'batch';
  ALTER TABLE lease ADD COLUMN ended_at INTEGER;
  ALTER TABLE lease ADD COLUMN alive_at INTEGER;
  ALTER TABLE lease ADD COLUMN paid_until INTEGER;
  ALTER TABLE lease ADD COLUMN final_at INTEGER;
  ALTER TABLE lease ADD COLUMN cleaned_at INTEGER;
  CREATE TABLE transition (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    machine TEXT NOT NULL,
    subject TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX transition_subject ON transition (machine, subject);
  CREATE TABLE quote (
    nonce INTEGER PRIMARY KEY AUTOINCREMENT,
    offer_id TEXT NOT NULL,
    buyer TEXT NOT NULL,
    manifest_hash TEXT NOT NULL,
    price_per_second TEXT NOT NULL,
    expiry INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );`,
  // 3: service leases: where a stopping lease ends once its services are stopped.
  "ALTER TABLE lease ADD COLUMN stop_to TEXT;",
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
  kind: LeaseKind;
  ended_at: number | null;
  alive_at: number | null;
  paid_until: number | null;
  final_at: number | null;
  cleaned_at: number | null;
  stop_to: LeasePhase | null;
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
  kind: r.kind,
  endedAt: r.ended_at,
  aliveAt: r.alive_at,
  paidUntil: r.paid_until,
  finalAt: r.final_at,
  cleanedAt: r.cleaned_at,
  stopTo: r.stop_to,
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
  kind: "kind",
  endedAt: "ended_at",
  aliveAt: "alive_at",
  paidUntil: "paid_until",
  finalAt: "final_at",
  cleanedAt: "cleaned_at",
  stopTo: "stop_to",
};

const toColumn = (value: unknown): unknown =>
  typeof value === "bigint"
    ? value.toString()
    : typeof value === "boolean"
      ? Number(value)
      : value !== null && typeof value === "object"
        ? JSON.stringify(value)
        : value;

/** Fields of a lease that can change (the phase only through `moveLease`). */
export type LeaseFields = Partial<Omit<LeaseRecord, "id" | "updatedAt" | "phase">>;

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

  /**
   * Changes the given fields of a lease, but never its phase: phases change only through
   * `moveLease`, the lease machine's one path.
   */
  updateLease(id: bigint, fields: LeaseFields): LeaseRecord {
    if ("phase" in fields) throw new Error(`lease ${id}: the phase changes only through the lease machine (moveLease)`);
    return this.writeLease(id, fields);
  }

  /**
   * Moves lease `id` from `from` to `to` with the given fields, and records the move with its
   * reason, in one transaction. The caller has checked the move against the table; this refuses it
   * when the lease is no longer in `from` (another path moved it first).
   */
  moveLease(id: bigint, from: LeasePhase, to: LeasePhase, reason: string, fields: LeaseFields = {}): LeaseRecord {
    return this.db.transaction(() => {
      const now = this.getLease(id)?.phase;
      if (now !== from) {
        throw new Error(`lease ${id} moved from "${from}" to "${now ?? "unknown"}" before it could move to "${to}"`);
      }
      const final = FINAL_PHASES.includes(to) ? { finalAt: Date.now() } : {};
      this.recordTransition("lease", id.toString(), from, to, reason);
      return this.writeLease(id, { ...fields, ...final, phase: to, message: reason });
    })();
  }

  /** Appends a move to the history of state machine moves. */
  recordTransition(machine: string, subject: string, from: string, to: string, reason: string): void {
    this.db
      .prepare("INSERT INTO transition (machine, subject, from_state, to_state, reason, at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(machine, subject, from, to, reason, Date.now());
  }

  /** The moves of one subject (a lease id, a request id), oldest first. */
  transitions(machine: string, subject: string): { from: string; to: string; reason: string; at: number }[] {
    return this.db
      .prepare<[string, string], { from: string; to: string; reason: string; at: number }>(
        "SELECT from_state AS 'from', to_state AS 'to', reason, at FROM transition WHERE machine = ? AND subject = ? ORDER BY seq",
      )
      .all(machine, subject);
  }

  /** Leases in a final phase whose files are still on disk, that reached it before `beforeMs`. */
  leasesToClean(beforeMs: number): LeaseRecord[] {
    return this.db
      .prepare<[number], LeaseRow>(
        "SELECT * FROM lease WHERE final_at IS NOT NULL AND final_at < ? AND cleaned_at IS NULL ORDER BY CAST(id AS INTEGER)",
      )
      .all(beforeMs)
      .map(fromRow);
  }

  /** Takes the next quote nonce, recording what it was signed for. Nonces never repeat, across restarts. */
  nextQuoteNonce(quote: {
    offerId: bigint;
    buyer: string;
    manifestHash: string;
    pricePerSecond: bigint;
    expiry: number;
  }): bigint {
    const result = this.db
      .prepare(
        "INSERT INTO quote (offer_id, buyer, manifest_hash, price_per_second, expiry, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(
        quote.offerId.toString(),
        quote.buyer,
        quote.manifestHash,
        quote.pricePerSecond.toString(),
        quote.expiry,
        Date.now(),
      );
    return BigInt(result.lastInsertRowid);
  }

  private writeLease(id: bigint, fields: LeaseFields & { phase?: LeasePhase }): LeaseRecord {
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
