// What the challenge engine needs from the chain and from providers, as one narrow interface: the
// engine decides, the port reads and writes. chain/proofs.ts implements it over the ProofOfCompute
// contract, the marketplace's offers and the providers' APIs.
import type { Hex, Opening } from "@ocx/proofs";
import type { OfferView } from "./schedule.js";

/** `IProofOfCompute.ChallengePhase` by name. */
export type ChainPhase =
  | "None"
  | "Issued"
  | "Committed"
  | "Responded"
  | "Attested"
  | "Disputed"
  | "Faulted"
  | "Dismissed";

/** `IProofOfCompute.DisputeStage` by name. */
export type ChainStage = "None" | "RowDemanded" | "TraceDue" | "StepPickDue" | "StepRevealDue" | "StepProofDue";

/** A challenge as the contract holds it (`getChallenge`). */
export interface ChainChallenge {
  id: bigint;
  provider: `0x${string}`;
  validator: `0x${string}`;
  gpuIndex: number;
  /** The offer's label as text ("cpu", "nvidia-h100-80gb"). */
  model: string;
  phase: ChainPhase;
  stage: ChainStage;
  disputedVector: number;
  n: number;
  steps: number;
  k: number;
  t: number;
  /** Unix seconds of the challenge block. */
  challengedAt: number;
  deadlineAt: number;
  challengeBlock: bigint;
  committedAt: number;
  commitBlock: bigint;
  /** When the current answer is due (respond, attest, or a dispute round). */
  roundDeadline: number;
  roundArg: number;
  seed: Hex;
  workId: Hex;
  root: Hex;
  auditId: Hex;
  productsHash: Hex;
}

/** `IProofOfCompute.Parameters`. */
export interface ProofParameters {
  challengeBond: bigint;
  faultSlash: bigint;
  rewardBps: number;
  responseWindow: number;
  attestationTtl: number;
  openedRows: number;
  repetitions: number;
}

/** What a provider's API answered for an opening. */
export type OpeningAnswer =
  | { ok: true; opening: Opening }
  | { ok: false; reason: string /** true when asking again may help (not there yet, unreachable). */; retry: boolean };

/** The engine's view of the outside world. */
export interface ChallengePort {
  /** This validator's address. */
  readonly address: `0x${string}`;
  /** Unix seconds of the latest block. */
  now(): Promise<number>;
  /** Asks a dev chain to mine a block now (evm_mine); a real chain refuses, which is fine. */
  mineBlock(): Promise<void>;
  /** The hash of block `number`. */
  blockHash(number: bigint): Promise<Hex>;
  parameters(): Promise<ProofParameters>;
  /** Every offer on the marketplace that is active now. */
  activeOffers(): Promise<OfferView[]>;
  /** Issues a challenge through the sender under `key` (a key already mined returns the same challenge). */
  challenge(
    key: string,
    target: { provider: `0x${string}`; model: string; gpuIndex: number },
  ): Promise<{ id: bigint; deadlineAt: number }>;
  getChallenge(id: bigint): Promise<ChainChallenge>;
  /** y_1‖…‖y_t as posted by the provider (empty before its response). */
  productsOf(id: bigint): Promise<Uint8Array>;
  /** The trace hashes the provider posted in a products dispute. */
  traceOf(id: bigint): Promise<Hex[]>;
  /** The v_s and v_{s+1} the provider revealed in the open step round. */
  revealedStep(id: bigint): Promise<{ s: number; vs: Uint8Array; vs1: Uint8Array } | undefined>;
  /** Unix seconds the attestation of this GPU expires (0: none). */
  attestationExpiry(target: { provider: `0x${string}`; model: string; gpuIndex: number }): Promise<number>;
  /** Fetches the provider's signed opening from its API and checks the signature against its registered apiSigner. */
  fetchOpening(provider: `0x${string}`, id: bigint): Promise<OpeningAnswer>;
  attest(id: bigint, score: number): Promise<void>;
  proveLate(id: bigint): Promise<void>;
  demandRow(id: bigint, row: number): Promise<void>;
  disputeProducts(id: bigint, t: number): Promise<void>;
  pickStep(id: bigint, s: number): Promise<void>;
  proveStep(id: bigint, j: number): Promise<void>;
}
