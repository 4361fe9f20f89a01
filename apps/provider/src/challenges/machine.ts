// The challenge machine: one per proof-of-compute challenge addressed to this provider, from the
// validator's ChallengeIssued to its end on-chain. Same pattern as the lease machine: every state
// and move is named in one table, each move persisted with its reason, logged and counted.
import { defineMachine } from "../leases/machine.js";

/**
 * Where a challenge stands on this node.
 * - issued: seen on-chain; waiting for the seed (the hash of the challenge's own block).
 * - seeded: the Challenge is derived from the seed and the contract's fields.
 * - proving: the proof runs off the event loop (worker thread or the GPU prover).
 * - committed: the Merkle root is on-chain; waiting for the audit seed (the commit block's hash).
 * - responded: the products are on-chain; the opening is served at GET /challenges/:id/opening.
 * - disputed: the validator opened a round (demandRow, disputeProducts, pickStep) the node must answer.
 * - revealing: the node is sending its answer to that round.
 * - attested | faulted | dismissed | expired: ended (see the table for what each means).
 */
export type ChallengeState =
  | "issued"
  | "seeded"
  | "proving"
  | "committed"
  | "responded"
  | "disputed"
  | "revealing"
  | "attested"
  | "faulted"
  | "dismissed"
  | "expired";

const ENDS = {
  faulted: "the contract recorded a fault against this provider (slashed)",
  dismissed: "the challenge ended without a fault: the accusation failed or the validator abandoned it",
  expired: "the node cannot answer in time any more: the deadline or the answer window passed",
} as const;

/** The challenge machine's transition table. */
export const CHALLENGE_MACHINE = defineMachine<ChallengeState>("challenge", {
  issued: {
    seeded: "the seed block exists: challenge derived from the seed and the contract's fields",
    ...ENDS,
  },
  seeded: { proving: "the proof started", ...ENDS },
  proving: {
    // Only after a restart: the proof that ran in the old process is gone and nothing was saved.
    proving: "the node restarted mid-proof with nothing saved; proving again while the deadline allows",
    committed: "the Merkle root of the result is committed on-chain",
    ...ENDS,
  },
  committed: { responded: "the products are on-chain; the opening is served", ...ENDS },
  responded: {
    attested: "the validator verified the opening and attested",
    disputed: "the validator opened a dispute round",
    ...ENDS,
  },
  disputed: { revealing: "answering the open round on-chain", attested: "the validator attested", ...ENDS },
  revealing: {
    disputed: "answered; waiting for the validator's next round",
    responded: "answered; the challenge is back to waiting for the validator",
    ...ENDS,
  },
  attested: {},
  faulted: {},
  dismissed: {},
  expired: {},
});

/** States in which nothing is left to do. */
export const FINAL_CHALLENGE_STATES: readonly ChallengeState[] = CHALLENGE_MACHINE.finals;
