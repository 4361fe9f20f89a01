// The validator's challenge machine, with an explicit transition table: every state and every
// allowed move is named in one place, a move not in it throws (naming both states), and each move is
// persisted with its reason, logged and counted in /metrics. The machinery (defineMachine, recordMove,
// TransitionError) is @ocx/node-kit's.
import {
  type Counter,
  defineMachine,
  transitionCounter as nodeKitTransitionCounter,
  type Registry,
} from "@ocx/node-kit";

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
export const transitionCounter = (metrics: Registry): Counter<"machine" | "from" | "to"> =>
  nodeKitTransitionCounter(
    metrics,
    "ocx_validator_transitions_total",
    "Challenge state machine moves, by from/to state",
  );
