// The challenges' durable state, in the provider's SQLite database (its own table, created here so
// the lease store's migrations stay the lease store's): one row per challenge, and every move in the
// shared `transition` history under the machine name "challenge".
import type { ProviderStore } from "../leases/store.js";
import { CHALLENGE_MACHINE, type ChallengeState, FINAL_CHALLENGE_STATES } from "./machine.js";

/** One challenge addressed to this provider, as the node knows it. */
export interface ChallengeRecord {
  id: bigint;
  validator: `0x${string}`;
  /** The model id the challenge names ("cpu", "nvidia-h100-80gb"), decoded from the contract's bytes32 label. */
  model: string;
  gpuIndex: number;
  n: number;
  steps: number;
  /** Unix seconds by which the commitment must be on-chain. */
  deadlineAt: number;
  /** The block that carried the challenge: its hash is the seed. */
  issuedBlock: bigint;
  /** Unix seconds of that block. */
  issuedAt: number | null;
  seed: `0x${string}` | null;
  /** The proofs package's Challenge (JSON), once derived. */
  challenge: string | null;
  root: `0x${string}` | null;
  /** Block and unix time of the commitment: the commit block's hash is the audit seed. */
  commitBlock: bigint | null;
  committedAt: number | null;
  auditSeed: `0x${string}` | null;
  auditId: `0x${string}` | null;
  /** Milliseconds the proof took (worker wall time). */
  proveMs: number | null;
  state: ChallengeState;
  /** Why it is in its state, for people reading /status. */
  message: string;
  updatedAt: number;
}

interface ChallengeRow {
  id: string;
  validator: string;
  model: string;
  gpu_index: number;
  n: number;
  steps: number;
  deadline_at: number;
  issued_block: string;
  issued_at: number | null;
  seed: string | null;
  challenge: string | null;
  root: string | null;
  commit_block: string | null;
  committed_at: number | null;
  audit_seed: string | null;
  audit_id: string | null;
  prove_ms: number | null;
  state: ChallengeState;
  message: string;
  updated_at: number;
}

const COLUMNS = {
  validator: "validator",
  model: "model",
  gpuIndex: "gpu_index",
  n: "n",
  steps: "steps",
  deadlineAt: "deadline_at",
  issuedBlock: "issued_block",
  issuedAt: "issued_at",
  seed: "seed",
  challenge: "challenge",
  root: "root",
  commitBlock: "commit_block",
  committedAt: "committed_at",
  auditSeed: "audit_seed",
  auditId: "audit_id",
  proveMs: "prove_ms",
  message: "message",
} as const satisfies Record<keyof Omit<ChallengeRecord, "id" | "state" | "updatedAt">, string>;

const SCHEMA = `CREATE TABLE IF NOT EXISTS challenge (
  id TEXT PRIMARY KEY,
  validator TEXT NOT NULL,
  model TEXT NOT NULL,
  gpu_index INTEGER NOT NULL,
  n INTEGER NOT NULL,
  steps INTEGER NOT NULL,
  deadline_at INTEGER NOT NULL,
  issued_block TEXT NOT NULL,
  issued_at INTEGER,
  seed TEXT,
  challenge TEXT,
  root TEXT,
  commit_block TEXT,
  committed_at INTEGER,
  audit_seed TEXT,
  audit_id TEXT,
  prove_ms INTEGER,
  state TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS challenge_state ON challenge (state);`;

const fromRow = (r: ChallengeRow): ChallengeRecord => ({
  id: BigInt(r.id),
  validator: r.validator as `0x${string}`,
  model: r.model,
  gpuIndex: r.gpu_index,
  n: r.n,
  steps: r.steps,
  deadlineAt: r.deadline_at,
  issuedBlock: BigInt(r.issued_block),
  issuedAt: r.issued_at,
  seed: r.seed as `0x${string}` | null,
  challenge: r.challenge,
  root: r.root as `0x${string}` | null,
  commitBlock: r.commit_block === null ? null : BigInt(r.commit_block),
  committedAt: r.committed_at,
  auditSeed: r.audit_seed as `0x${string}` | null,
  auditId: r.audit_id as `0x${string}` | null,
  proveMs: r.prove_ms,
  state: r.state,
  message: r.message,
  updatedAt: r.updated_at,
});

/** Fields of a challenge that can change (the state only through `move`). */
export type ChallengeFields = Partial<Omit<ChallengeRecord, "id" | "state" | "updatedAt">>;

/** What the ChallengeIssued event says, stored as a new challenge in state `issued`. */
export type NewChallenge = Pick<
  ChallengeRecord,
  "id" | "validator" | "model" | "gpuIndex" | "n" | "steps" | "deadlineAt" | "issuedBlock"
>;

/** The challenges table over the provider's database. */
export class ChallengeStore {
  constructor(private readonly store: ProviderStore) {
    store.db.exec(SCHEMA);
  }

  /** Records a challenge seen on-chain; a known one is left as it is. Returns true if it was new. */
  insert(c: NewChallenge): boolean {
    const result = this.store.db
      .prepare(
        `INSERT OR IGNORE INTO challenge (id, validator, model, gpu_index, n, steps, deadline_at, issued_block, state, message, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'issued', 'waiting for the seed block', ?)`,
      )
      .run(
        c.id.toString(),
        c.validator,
        c.model,
        c.gpuIndex,
        c.n,
        c.steps,
        c.deadlineAt,
        c.issuedBlock.toString(),
        Date.now(),
      );
    return result.changes === 1;
  }

  get(id: bigint): ChallengeRecord | undefined {
    const row = this.store.db
      .prepare<[string], ChallengeRow>("SELECT * FROM challenge WHERE id = ?")
      .get(id.toString());
    return row && fromRow(row);
  }

  /** Changes fields, never the state (that goes through `move`). */
  update(id: bigint, fields: ChallengeFields): ChallengeRecord {
    return this.write(id, fields);
  }

  /**
   * Moves challenge `id` from `from` to `to` (checked against the table) with the given fields, and
   * records the move with its reason, in one transaction. Refuses when it is no longer in `from`.
   * Returns the record and what the move means.
   */
  move(
    id: bigint,
    from: ChallengeState,
    to: ChallengeState,
    reason: string,
    fields: ChallengeFields = {},
  ): ChallengeRecord {
    CHALLENGE_MACHINE.check(id.toString(), from, to);
    return this.store.db.transaction(() => {
      const now = this.get(id)?.state;
      if (now !== from) {
        throw new Error(
          `challenge ${id} moved from "${from}" to "${now ?? "unknown"}" before it could move to "${to}"`,
        );
      }
      this.store.recordTransition("challenge", id.toString(), from, to, reason);
      return this.write(id, { ...fields, message: reason }, to);
    })();
  }

  /** Challenges with something left to do, oldest first. */
  live(): ChallengeRecord[] {
    const placeholders = FINAL_CHALLENGE_STATES.map(() => "?").join(", ");
    return this.store.db
      .prepare<string[], ChallengeRow>(
        `SELECT * FROM challenge WHERE state NOT IN (${placeholders}) ORDER BY CAST(id AS INTEGER)`,
      )
      .all(...FINAL_CHALLENGE_STATES)
      .map(fromRow);
  }

  /** The most recent challenges, newest first. */
  recent(limit = 50): ChallengeRecord[] {
    return this.store.db
      .prepare<[number], ChallengeRow>("SELECT * FROM challenge ORDER BY CAST(id AS INTEGER) DESC LIMIT ?")
      .all(limit)
      .map(fromRow);
  }

  /** The recorded moves of one challenge, oldest first. */
  history(id: bigint) {
    return this.store.transitions("challenge", id.toString());
  }

  getMeta(key: string): string | undefined {
    return this.store.getMeta(key);
  }

  setMeta(key: string, value: string): void {
    this.store.setMeta(key, value);
  }

  private write(id: bigint, fields: ChallengeFields, state?: ChallengeState): ChallengeRecord {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    const sets = entries.map(([k]) => `${COLUMNS[k as keyof typeof COLUMNS]} = ?`);
    if (state) sets.push("state = ?");
    const values = entries.map(([, v]) => (typeof v === "bigint" ? v.toString() : v));
    if (state) values.push(state);
    this.store.db
      .prepare(`UPDATE challenge SET ${[...sets, "updated_at = ?"].join(", ")} WHERE id = ?`)
      .run(...(values as (string | number | null)[]), Date.now(), id.toString());
    const record = this.get(id);
    if (!record) throw new Error(`challenge ${id} is not in the store`);
    return record;
  }
}
