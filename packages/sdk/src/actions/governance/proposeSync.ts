// OcxGovernor.propose: submits a proposal (calls and a description) for a vote.
import type { Deployment } from "../../deployment.js";
import { ocxGovernorAbi } from "../../generated/abis.js";
import type { ProposalCall } from "../../governance/parameters.js";
import { type WriteClient, type WriteSyncErrorType, type WriteSyncResult, writeSync } from "../internal/contract.js";
import { governorAddress } from "./address.js";

/** Parameters of `proposeSync`. */
export interface ProposeSyncParameters {
  deployment: Pick<Deployment, "governor">;
  /** What the timelock runs if the proposal passes, in order, all or none. */
  calls: readonly ProposalCall[];
  /** The proposal's text; with the calls it makes the proposal's id, so queue and execute need it verbatim. */
  description: string;
}
/** The receipt and the `ProposalCreated` event (`proposalId`, `voteStart`, `voteEnd`, …). */
export type ProposeSyncReturnType = WriteSyncResult<typeof ocxGovernorAbi, "ProposalCreated">;
/**
 * What `proposeSync` throws: `OcxContractError` for a revert found in simulation, such as
 * `GovernorInsufficientProposerVotes` (too few delegated votes) or `GovernorUnexpectedProposalState` (proposed already).
 */
export type ProposeSyncErrorType = WriteSyncErrorType;

/**
 * Proposes `calls` for a vote and waits for the `ProposalCreated` event. The caller needs the governor's
 * proposal threshold in votes delegated to it at the previous block.
 * @example
 * const { call } = await encodeParameterChange(walletClient, { deployment, parameter: "marketplace.feeBps", value: "100" });
 * const { event } = await proposeSync(walletClient, { deployment, calls: [call], description: "Fee 1 %" });
 * event.proposalId;
 */
export async function proposeSync(
  client: WriteClient,
  parameters: ProposeSyncParameters,
): Promise<ProposeSyncReturnType> {
  return writeSync(client, {
    address: governorAddress(parameters.deployment),
    abi: ocxGovernorAbi,
    functionName: "propose",
    parameters: {
      targets: parameters.calls.map((c) => c.target),
      values: parameters.calls.map((c) => c.value),
      calldatas: parameters.calls.map((c) => c.calldata),
      description: parameters.description,
    },
    events: ["ProposalCreated"],
  });
}
