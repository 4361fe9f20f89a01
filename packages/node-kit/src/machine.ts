// State machines with an explicit transition table, shared by every OCX daemon (the provider's leases,
// bids and services; the validator's challenges): every state and every allowed move is named in one
// place, a move not in it throws (naming both states), and each move is logged and counted in /metrics.
import type { Logger } from "./logger.js";
import { Counter, type Registry } from "./metrics.js";

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

/**
 * The counter of moves by machine and from/to state, `name` registered once per metrics registry.
 * @example
 * const counter = transitionCounter(common.metrics, "ocx_provider_transitions_total", "Lease moves");
 */
export function transitionCounter(metrics: Registry, name: string, help: string): Counter<"machine" | "from" | "to"> {
  const existing = metrics.getSingleMetric(name) as Counter<"machine" | "from" | "to"> | undefined;
  return existing ?? new Counter({ name, help, labelNames: ["machine", "from", "to"], registers: [metrics] });
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
