// What the responder needs from the chain, as a small port: the ChallengeIssued events for this
// provider, blocks (their hashes are the seeds), the challenge's phase and open dispute round as the
// ProofOfCompute contract holds them, and the provider's writes. `createChallengeChain` (sdkChain.ts)
// implements it over the SDK's actions and the crash-safe transaction sender.
import type { Hex } from "@ocx/proofs";

/** The contract's ChallengePhase, by name. */
export type ChainPhase =
  | "None"
  | "Issued"
  | "Committed"
  | "Responded"
  | "Attested"
  | "Disputed"
  | "Faulted"
  | "Dismissed";

/** A ChallengeIssued event addressed to this provider. */
export interface IssuedChallenge {
  id: bigint;
  validator: `0x${string}`;
  /** The model id, decoded from the contract's bytes32 label ("cpu", "nvidia-h100-80gb"). */
  model: string;
  gpuIndex: number;
  n: number;
  steps: number;
  /** Unix seconds. */
  deadlineAt: number;
  blockNumber: bigint;
}

/** A dispute round that waits for the provider's answer. */
export type DisputeRound =
  /** demandRow: reveal row `row` of Y with its Merkle proof (revealRow). */
  | { kind: "row"; row: number }
  /** disputeProducts: post the step hashes of the chain through r_t (postTrace). */
  | { kind: "trace"; t: number }
  /** pickStep: reveal v_s and v_{s+1} of the trace through r_t (revealStep). */
  | { kind: "step"; t: number; s: number };

/** The challenge as the contract holds it, as far as the provider needs it. */
export interface ChallengeView {
  phase: ChainPhase;
  /** Unix seconds of the challenge's block (deadlineAt − this = the model's deadlineSeconds). */
  challengedAt: number;
  /** Rows the audit opens and Freivalds vectors, fixed at challenge time. */
  k: number;
  t: number;
  /** The challenge id the contract computed once the seed was known (zero before). */
  workId?: Hex | undefined;
  /** The committed root, the commit's block (its hash is the audit seed) and time, once committed. */
  commitment?: { root: Hex; block: bigint; at: number } | undefined;
  /** Unix seconds by which the products must be on-chain (commit time + responseWindow). */
  respondBy?: number | undefined;
  /** The round waiting for the provider's answer, if any. */
  round?: DisputeRound | undefined;
  /** Unix seconds by which that round must be answered. */
  roundDeadline?: number | undefined;
  /** When it is the validator's turn (attest, or its dispute move): unix seconds after which the provider may claim its bond. */
  validatorDue?: number | undefined;
}

/** Where a write landed. */
export interface Landed {
  blockNumber: bigint;
  /** Unix seconds of its block. */
  timestamp: number;
}

/** The chain, as the challenge responder sees it. */
export interface ChallengeChain {
  /** The provider's address (lower-case or checksummed). */
  address: Hex;
  /** The first block worth reading (the deployment's start block). */
  startBlock: bigint;
  head(): Promise<bigint>;
  /** The latest block's timestamp: the chain's clock, which deadlines are measured by. */
  now(): Promise<number>;
  /** A block's hash and time, or undefined when it does not exist yet. */
  block(number: bigint): Promise<{ hash: Hex; timestamp: number } | undefined>;
  /** ChallengeIssued events for this provider in [from, to]. */
  issued(from: bigint, to: bigint): Promise<IssuedChallenge[]>;
  view(id: bigint): Promise<ChallengeView>;
  commit(id: bigint, root: Hex): Promise<Landed>;
  respond(id: bigint, products: Hex): Promise<Landed>;
  revealRow(id: bigint, row: number, values: Hex, proof: Hex[]): Promise<Landed>;
  postTrace(id: bigint, stepHashes: Hex[]): Promise<Landed>;
  revealStep(id: bigint, vs: Hex, vs1: Hex): Promise<Landed>;
  /** Claims the validator's bond after it let its turn pass (the challenge ends Dismissed, without attestation). */
  claimAbandoned(id: bigint): Promise<Landed>;
}
