// OcxGovernor.castVoteWithReason: votes for, against or abstain on an active proposal.
import type { Deployment } from "../../deployment.js";
import { ocxGovernorAbi } from "../../generated/abis.js";
import { type WriteClient, type WriteSyncErrorType, type WriteSyncResult, writeSync } from "../internal/contract.js";
import { governorAddress } from "./address.js";

/** A vote: GovernorCountingSimple's 0 = against, 1 = for, 2 = abstain. */
export type VoteSupport = "against" | "for" | "abstain";
/** The number the governor counts each vote as. */
export const VOTE_SUPPORT: Record<VoteSupport, number> = { against: 0, for: 1, abstain: 2 };

/** Parameters of `castVoteSync`. */
export interface CastVoteSyncParameters {
  deployment: Pick<Deployment, "governor">;
  proposalId: bigint;
  support: VoteSupport;
  /** Optional text recorded in the `VoteCast` event. */
  reason?: string;
}
/** The receipt and the `VoteCast` event (`weight` is the votes counted). */
export type CastVoteSyncReturnType = WriteSyncResult<typeof ocxGovernorAbi, "VoteCast">;
/** What `castVoteSync` throws: `OcxContractError` such as `GovernorUnexpectedProposalState` (not active) or `GovernorAlreadyCastVote`. */
export type CastVoteSyncErrorType = WriteSyncErrorType;

/**
 * Casts the caller's votes (those delegated to it at the proposal's snapshot) and waits for the `VoteCast` event.
 * @example
 * const { event } = await castVoteSync(walletClient, { deployment, proposalId, support: "for" });
 * event.weight;
 */
export async function castVoteSync(
  client: WriteClient,
  parameters: CastVoteSyncParameters,
): Promise<CastVoteSyncReturnType> {
  return writeSync(client, {
    address: governorAddress(parameters.deployment),
    abi: ocxGovernorAbi,
    functionName: "castVoteWithReason",
    parameters: {
      proposalId: parameters.proposalId,
      support: VOTE_SUPPORT[parameters.support],
      reason: parameters.reason ?? "",
    },
    events: ["VoteCast"],
  });
}
