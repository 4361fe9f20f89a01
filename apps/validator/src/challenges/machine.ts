// The validator's challenge machine, with an explicit transition table: every state and every
// allowed move is named in one place, a move not in it throws (naming both states), and each move is
// persisted with its reason, logged and counted in /metrics.
import { Counter, type Logger, type Registry } from "@ocx/node-kit";

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

/** Where one of this validator's challenges stands. */
export type ChallengeState =
  | "issued"
  | "committed"
  | "responded"
  | "verifying"
  | "disputing"
  | "late"
  | "attested"
  | "faulted"
  | "dismissed";

/**
 * The challenge machine. The honest path: issued (challenge mined, bond locked) → committed (the
 * provider posted its Merkle root before the deadline) → responded (products on-chain) → verifying
 * (signed opening fetched, checked with verifyOpening) → attested. A refused proof escalates:
 * disputing (demandRow, or disputeProducts → pickStep → proveStep) → faulted (slashed, we are
 * rewarded) or dismissed (the accusation failed, the bond went to the provider). A provider that
 * misses a deadline, or a dispute round, goes through late (proveLate sent) → faulted.
 */
export const CHALLENGE_MACHINE = defineMachine<ChallengeState>("challenge", {
  issued: {
    committed: "the provider committed its result before the deadline",
    late: "the provider did not commit by the deadline: proving it late",
    faulted: "the challenge was faulted on-chain (someone else proved it late)",
    dismissed: "the challenge ended on-chain without a fault",
  },
  committed: {
    responded: "the provider posted its products on-chain",
    late: "the provider did not respond within the response window: proving it late",
    faulted: "the challenge was faulted on-chain (someone else proved it late)",
    dismissed: "the challenge ended on-chain without a fault",
  },
  responded: {
    verifying: "fetched the provider's signed opening; checking it",
    disputing: "no valid signed opening from the provider: demanding a row on-chain",
    faulted: "the challenge was faulted on-chain",
    dismissed: "the provider claimed the challenge abandoned",
  },
  verifying: {
    responded: "the check could not finish (will fetch and check the opening again)",
    attested: "the opening verified: attested on-chain",
    disputing: "the opening was refused: escalating to an on-chain fraud proof",
    faulted: "the challenge was faulted on-chain",
    dismissed: "the provider claimed the challenge abandoned",
  },
  disputing: {
    disputing: "the next round of the dispute",
    late: "the provider did not answer a dispute round in time: proving it unrevealed",
    faulted: "the fraud proof succeeded: the provider was slashed and this validator rewarded",
    dismissed: "the accusation failed on-chain: the bond went to the provider",
  },
  late: {
    faulted: "proveLate succeeded: the provider was slashed and this validator rewarded",
    dismissed: "the challenge ended on-chain without a fault",
  },
  attested: {},
  faulted: {},
  dismissed: {},
});

/** States in which nothing more is done for a challenge. */
export const FINAL_STATES: readonly ChallengeState[] = CHALLENGE_MACHINE.finals;

/** The counter of moves by from/to state, registered once per metrics registry. */
export function transitionCounter(metrics: Registry): Counter<"machine" | "from" | "to"> {
  const name = "ocx_validator_transitions_total";
  const existing = metrics.getSingleMetric(name) as Counter<"machine" | "from" | "to"> | undefined;
  return (
    existing ??
    new Counter({
      name,
      help: "Challenge state machine moves, by from/to state",
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
