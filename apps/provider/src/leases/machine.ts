// State machines with an explicit transition table, in the spirit of akash's bidengine/order.go:
// every state and every allowed move is named in one table, a move not in it throws (naming both
// states), and each move is persisted, logged with its reason and counted in /metrics.
import type { Logger, Registry } from "@ocx/node-kit";
import { Counter } from "@ocx/node-kit";
import type { ProviderLeaseStatus } from "@ocx/sdk";

/**
 * A transition table: for each state, the states it may move to, each with what the move means.
 * A state with no moves is final.
 */
export type TransitionTable<S extends string> = { readonly [from in S]: { readonly [to in S]?: string } };

/** A move the table does not allow: a bug in the caller, never a silent no-op. */
export class TransitionError extends Error {
  override name = "TransitionError";
  constructor(
    readonly machine: string,
    readonly subject: string,
    readonly from: string,
    readonly to: string,
    allowed: readonly string[],
  ) {
    super(
      `${machine} ${subject} cannot move from "${from}" to "${to}"; from "${from}" it may only move to ${
        allowed.length > 0 ? allowed.map((s) => `"${s}"`).join(", ") : "nothing (it is final)"
      }`,
    );
  }
}

/** The pure part of a machine: its table and the check of a move. */
export interface MachineDefinition<S extends string> {
  readonly name: string;
  readonly table: TransitionTable<S>;
  readonly states: readonly S[];
  /** States with no way out. */
  readonly finals: readonly S[];
  /** The states `from` may move to. */
  next(from: S): S[];
  /** Throws `TransitionError` unless the table allows `from` → `to`; returns what the move means. */
  check(subject: string, from: S, to: S): string;
}

/**
 * Defines a machine from its transition table.
 * @example
 * const door = defineMachine("door", { open: { shut: "closed by hand" }, shut: { open: "opened" } });
 * door.check("front", "open", "shut"); // "closed by hand"
 * door.check("front", "shut", "shut"); // throws TransitionError naming both states
 */
export function defineMachine<S extends string>(name: string, table: TransitionTable<S>): MachineDefinition<S> {
  const states = Object.keys(table) as S[];
  for (const [from, moves] of Object.entries(table) as [S, Record<string, string>][]) {
    for (const to of Object.keys(moves)) {
      if (!(to in table)) throw new Error(`${name}: the move ${from} → ${to} names a state the table does not have`);
    }
  }
  const next = (from: S) => Object.keys(table[from] ?? {}) as S[];
  return {
    name,
    table,
    states,
    finals: states.filter((s) => next(s).length === 0),
    next,
    check(subject, from, to) {
      const meaning = (table[from] as Record<string, string> | undefined)?.[to];
      if (meaning === undefined) throw new TransitionError(name, subject, from, to, next(from));
      return meaning;
    },
  };
}

/** Where a lease stands on this node (the SDK's type, shared with the node's clients). */
export type LeasePhase = ProviderLeaseStatus["phase"];

/**
 * The lease machine. The happy batch lease: pending (seen on-chain) → acknowledged (payment runs;
 * waiting for the manifest and inputs) → running → finishing (the workload exited; packing outputs,
 * completing on-chain) → completed. A lease taken through a provider-signed quote is created
 * already active and moves pending → acknowledged without a transaction.
 *
 * A service lease (kind "service") has its own table, {@link SERVICE_LEASE_MACHINE}: it never
 * finishes nor completes. `stopping` belongs to it only; here it has no way in.
 *
 * Room for what comes next, without a rewrite:
 * - Validator challenges and checkpoints are sub-states of `running` ("challenged",
 *   "checkpointing"): a second, small machine over a `sub_phase` column, entered and left while
 *   the lease stays `running`, so billing and the escrow watch, which look at the phase, need no change.
 */
export const LEASE_MACHINE = defineMachine<LeasePhase>("lease", {
  pending: {
    acknowledged: "acknowledged on-chain (or created active by a signed quote)",
    cancelled: "the buyer cancelled, or the acknowledgement deadline passed",
    closed: "the lease closed on-chain before the node acknowledged it",
    failed: "the node cannot run it (no free GPUs): not acknowledged, the buyer can cancel for a full refund",
  },
  acknowledged: {
    running: "the buyer started the job",
    closed: "the buyer closed the lease before starting it",
    exhausted: "the escrow ran out before the job started",
    cancelled: "the lease was cancelled on-chain",
    failed: "the node could not start the workload",
  },
  running: {
    running: "the workload was restarted after a node restart, as its manifest allows",
    finishing: "the workload exited; packing outputs and completing on-chain",
    closed: "the buyer closed the lease; workload stopped",
    exhausted: "the escrow ran out; workload stopped",
  },
  finishing: {
    completed: "completed on-chain with the result hash",
    closed: "the lease closed on-chain before the node completed it",
    exhausted: "the escrow ran out before the node completed it",
  },
  // A service lease's state only (see SERVICE_LEASE_MACHINE): no batch move leads here.
  stopping: {
    closed: "its services are stopped",
    exhausted: "its services are stopped",
  },
  completed: {},
  cancelled: {},
  closed: {},
  exhausted: {},
  failed: {},
});

/**
 * The service lease machine: pending → acknowledged → running (its services start, restart and
 * are supervised while the lease is paid) → stopping (the buyer closed it, or its escrow ran
 * out: services stopped, volumes deleted) → closed or exhausted. There is no exit to wait for:
 * it never enters `finishing`, and the node never calls `complete` for it (both rows are empty,
 * so the table refuses any move into them). A node restart keeps it `running`: its services are
 * re-attached, with their network and volumes (leases/recovery.ts).
 */
export const SERVICE_LEASE_MACHINE = defineMachine<LeasePhase>("service-lease", {
  pending: LEASE_MACHINE.table.pending,
  acknowledged: {
    running: "the buyer started the services",
    closed: "the buyer closed the lease before starting it",
    exhausted: "the escrow ran out before the services started",
    cancelled: "the lease was cancelled on-chain",
    failed: "the node could not start the services",
  },
  running: {
    stopping: "the lease ends (closed by the buyer, or the escrow ran out): stopping its services",
  },
  stopping: {
    closed: "the buyer closed the lease; services stopped, volumes deleted",
    exhausted: "the escrow ran out; services stopped, volumes deleted",
  },
  finishing: {},
  completed: {},
  cancelled: {},
  closed: {},
  exhausted: {},
  failed: {},
});

/** The machine of a lease of this kind. */
export const machineOf = (kind: "batch" | "service"): MachineDefinition<LeasePhase> =>
  kind === "service" ? SERVICE_LEASE_MACHINE : LEASE_MACHINE;

/** Terminal lease phases: nothing runs, nothing more is written on-chain for the lease. */
export const FINAL_PHASES: readonly LeasePhase[] = LEASE_MACHINE.finals;

/** The counter of moves, by machine and by from/to, registered once per metrics registry. */
export function transitionCounter(metrics: Registry): Counter<"machine" | "from" | "to"> {
  const name = "ocx_provider_transitions_total";
  const existing = metrics.getSingleMetric(name) as Counter<"machine" | "from" | "to"> | undefined;
  return (
    existing ??
    new Counter({
      name,
      help: "State machine moves (leases, bid reservations), by machine and by from/to state",
      labelNames: ["machine", "from", "to"],
      registers: [metrics],
    })
  );
}

/** Logs and counts a move that has been checked and persisted. */
export function recordMove<S extends string>(
  machine: MachineDefinition<S>,
  counter: Counter<"machine" | "from" | "to"> | undefined,
  log: Logger,
  move: { from: S; to: S; reason: string; fields?: Record<string, unknown> },
): void {
  counter?.inc({ machine: machine.name, from: move.from, to: move.to });
  log.info(move.reason, { from: move.from, to: move.to, ...move.fields });
}
