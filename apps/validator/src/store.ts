// The validator's durable state in SQLite: the GPUs it watches (with when each is next due), its
// challenges with their state and the reason for it, every move of each challenge, and the
// transaction sender's journal. Everything it needs after a SIGKILL is here; the rest is re-read
// from the chain.
import { openStore, type Store, TX_MIGRATION } from "@ocx/node-kit";
import { type ChallengeState, FINAL_STATES } from "./challenges/machine.js";

/** One GPU of one provider the validator challenges: (provider, model label, gpuIndex). */
export interface TargetRecord {
  provider: `0x${string}`;
  /** The offer's model label as text ("cpu", "nvidia-h100-80gb"). */
  model: string;
  gpuIndex: number;
  /** Milliseconds since the epoch the validator first saw this GPU offered. */
  firstSeenAt: number;
  /** Milliseconds since the epoch the next challenge is due (0: now). */
  nextDueAt: number;
  /** The tx sender key of a challenge being issued: set before the transaction, cleared once its id is stored. */
  issuing: string | null;
  /** The last challenge issued for this GPU. */
  lastChallengeId: bigint | null;
  /** Unix seconds the current attestation of this GPU expires (0: none). */
  attestedUntil: number;
}

/** What a dispute is at, persisted so that a restart resumes the same round. */
export type DisputeRecord =
  | { kind: "row"; row: number }
  | { kind: "products"; t: number; step?: number; entry?: number };

/** One challenge this validator issued. */
export interface ChallengeRecord {
  id: bigint;
  provider: `0x${string}`;
  model: string;
  gpuIndex: number;
  state: ChallengeState;
  /** Why it is in its state, for people reading /status. */
  reason: string;
  /** Unix seconds by which the provider must commit. */
  deadlineAt: number;
  /** The fault found by the check, when refused ("wrong-product", "late", …). */
  fault: string | null;
  dispute: DisputeRecord | null;
  /** Score attested (basis points of the expected time). */
  score: number | null;
  /** Milliseconds since the epoch the validator first asked the provider for its opening. */
  openingAskedAt: number | null;
  createdAt: number;
  updatedAt: number;
  finalAt: number | null;
}

const MIGRATIONS = [
  TX_MIGRATION,
  `CREATE TABLE target (
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    gpu_index INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    next_due_at INTEGER NOT NULL,
    issuing TEXT,
    last_challenge_id TEXT,
    attested_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (provider, model, gpu_index)
  );
  CREATE TABLE challenge (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    gpu_index INTEGER NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    deadline_at INTEGER NOT NULL,
    fault TEXT,
    dispute TEXT,
    score INTEGER,
    opening_asked_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    final_at INTEGER
  );
  CREATE INDEX challenge_open ON challenge (final_at) WHERE final_at IS NULL;
  CREATE TABLE challenge_move (
    challenge_id TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
  );`,
];

interface TargetRow {
  provider: string;
  model: string;
  gpu_index: number;
  first_seen_at: number;
  next_due_at: number;
  issuing: string | null;
  last_challenge_id: string | null;
  attested_until: number;
}

interface ChallengeRow {
  id: string;
  provider: string;
  model: string;
  gpu_index: number;
  state: string;
  reason: string;
  deadline_at: number;
  fault: string | null;
  dispute: string | null;
  score: number | null;
  opening_asked_at: number | null;
  created_at: number;
  updated_at: number;
  final_at: number | null;
}

const toTarget = (r: TargetRow): TargetRecord => ({
  provider: r.provider as `0x${string}`,
  model: r.model,
  gpuIndex: r.gpu_index,
  firstSeenAt: r.first_seen_at,
  nextDueAt: r.next_due_at,
  issuing: r.issuing,
  lastChallengeId: r.last_challenge_id === null ? null : BigInt(r.last_challenge_id),
  attestedUntil: r.attested_until,
});

const toChallenge = (r: ChallengeRow): ChallengeRecord => ({
  id: BigInt(r.id),
  provider: r.provider as `0x${string}`,
  model: r.model,
  gpuIndex: r.gpu_index,
  state: r.state as ChallengeState,
  reason: r.reason,
  deadlineAt: r.deadline_at,
  fault: r.fault,
  dispute: r.dispute === null ? null : (JSON.parse(r.dispute) as DisputeRecord),
  score: r.score,
  openingAskedAt: r.opening_asked_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finalAt: r.final_at,
});

/** A target's key as one string, for logs and maps: `0xabc…:cpu#0`. */
export const targetKey = (t: { provider: string; model: string; gpuIndex: number }) =>
  `${t.provider.toLowerCase()}:${t.model}#${t.gpuIndex}`;

/**
 * The validator's SQLite store.
 * @example
 * const store = new ValidatorStore(":memory:");
 * store.addTarget({ provider, model: "cpu", gpuIndex: 0 }, Date.now());
 */
export class ValidatorStore {
  readonly db: Store;

  constructor(file: string) {
    this.db = openStore(file, MIGRATIONS);
  }

  close(): void {
    this.db.close();
  }

  /** Records a GPU seen offered for the first time, due now; a GPU already known is left as it is. Returns true when it was new. */
  addTarget(target: { provider: `0x${string}`; model: string; gpuIndex: number }, now: number): boolean {
    const result = this.db
      .prepare(
        "INSERT OR IGNORE INTO target (provider, model, gpu_index, first_seen_at, next_due_at) VALUES (?, ?, ?, ?, 0)",
      )
      .run(target.provider.toLowerCase(), target.model, target.gpuIndex, now);
    return result.changes > 0;
  }

  getTarget(target: { provider: string; model: string; gpuIndex: number }): TargetRecord | undefined {
    const row = this.db
      .prepare<[string, string, number], TargetRow>(
        "SELECT * FROM target WHERE provider = ? AND model = ? AND gpu_index = ?",
      )
      .get(target.provider.toLowerCase(), target.model, target.gpuIndex);
    return row && toTarget(row);
  }

  allTargets(): TargetRecord[] {
    return this.db
      .prepare<[], TargetRow>("SELECT * FROM target ORDER BY first_seen_at, provider, model, gpu_index")
      .all()
      .map(toTarget);
  }

  /** Updates a target's schedule fields. */
  updateTarget(
    target: { provider: string; model: string; gpuIndex: number },
    fields: Partial<Pick<TargetRecord, "nextDueAt" | "issuing" | "lastChallengeId" | "attestedUntil">>,
  ): void {
    const current = this.getTarget(target);
    if (!current) throw new Error(`no target ${targetKey(target)} in the store`);
    const next = { ...current, ...fields };
    this.db
      .prepare(
        "UPDATE target SET next_due_at = ?, issuing = ?, last_challenge_id = ?, attested_until = ? WHERE provider = ? AND model = ? AND gpu_index = ?",
      )
      .run(
        next.nextDueAt,
        next.issuing,
        next.lastChallengeId === null ? null : next.lastChallengeId.toString(),
        next.attestedUntil,
        target.provider.toLowerCase(),
        target.model,
        target.gpuIndex,
      );
  }

  /** Stores a newly issued challenge (idempotent: a restart that finds it stored changes nothing). */
  insertChallenge(
    record: Pick<ChallengeRecord, "id" | "provider" | "model" | "gpuIndex" | "deadlineAt" | "reason">,
    now: number,
  ): void {
    this.db
      .prepare(
        "INSERT OR IGNORE INTO challenge (id, provider, model, gpu_index, state, reason, deadline_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'issued', ?, ?, ?, ?)",
      )
      .run(
        record.id.toString(),
        record.provider.toLowerCase(),
        record.model,
        record.gpuIndex,
        record.reason,
        record.deadlineAt,
        now,
        now,
      );
  }

  getChallenge(id: bigint): ChallengeRecord | undefined {
    const row = this.db.prepare<[string], ChallengeRow>("SELECT * FROM challenge WHERE id = ?").get(id.toString());
    return row && toChallenge(row);
  }

  /** Challenges not in a final state, oldest first. */
  openChallenges(): ChallengeRecord[] {
    return this.db
      .prepare<[], ChallengeRow>("SELECT * FROM challenge WHERE final_at IS NULL ORDER BY created_at, id")
      .all()
      .map(toChallenge);
  }

  allChallenges(limit = 200): ChallengeRecord[] {
    return this.db
      .prepare<[number], ChallengeRow>("SELECT * FROM challenge ORDER BY created_at DESC LIMIT ?")
      .all(limit)
      .map(toChallenge);
  }

  /** Counts of challenges by state (for /metrics). */
  countByState(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db
      .prepare<[], { state: string; n: number }>("SELECT state, COUNT(*) AS n FROM challenge GROUP BY state")
      .all())
      out[r.state] = r.n;
    return out;
  }

  /**
   * Moves a challenge to `to` with its reason and the fields that change with it, and journals the
   * move, in one transaction. The caller has checked the move against the machine.
   */
  moveChallenge(
    id: bigint,
    from: ChallengeState,
    to: ChallengeState,
    reason: string,
    fields: Partial<Pick<ChallengeRecord, "fault" | "dispute" | "score" | "openingAskedAt">> = {},
    now = Date.now(),
  ): void {
    this.db.transaction(() => {
      const current = this.getChallenge(id);
      if (!current) throw new Error(`no challenge ${id} in the store`);
      if (current.state !== from) {
        throw new Error(
          `challenge ${id} is ${current.state}, not ${from}: a second writer? (refusing to move it to ${to})`,
        );
      }
      const next = { ...current, ...fields };
      this.db
        .prepare(
          "UPDATE challenge SET state = ?, reason = ?, fault = ?, dispute = ?, score = ?, opening_asked_at = ?, updated_at = ?, final_at = ? WHERE id = ?",
        )
        .run(
          to,
          reason,
          next.fault,
          next.dispute === null ? null : JSON.stringify(next.dispute),
          next.score,
          next.openingAskedAt,
          now,
          FINAL_STATES.includes(to) ? now : null,
          id.toString(),
        );
      this.db
        .prepare("INSERT INTO challenge_move (challenge_id, from_state, to_state, reason, at) VALUES (?, ?, ?, ?, ?)")
        .run(id.toString(), from, to, reason, now);
    })();
  }

  /** Updates fields of a challenge that do not change its state (the time the opening was first asked for). */
  noteChallenge(id: bigint, fields: Partial<Pick<ChallengeRecord, "openingAskedAt" | "reason">>): void {
    const current = this.getChallenge(id);
    if (!current) throw new Error(`no challenge ${id} in the store`);
    const next = { ...current, ...fields };
    this.db
      .prepare("UPDATE challenge SET opening_asked_at = ?, reason = ?, updated_at = ? WHERE id = ?")
      .run(next.openingAskedAt, next.reason, Date.now(), id.toString());
  }

  /** Every move of a challenge, oldest first. */
  movesOf(id: bigint): { from: string; to: string; reason: string; at: number }[] {
    return this.db
      .prepare<[string], { from_state: string; to_state: string; reason: string; at: number }>(
        "SELECT from_state, to_state, reason, at FROM challenge_move WHERE challenge_id = ? ORDER BY rowid",
      )
      .all(id.toString())
      .map((r) => ({ from: r.from_state, to: r.to_state, reason: r.reason, at: r.at }));
  }
}
