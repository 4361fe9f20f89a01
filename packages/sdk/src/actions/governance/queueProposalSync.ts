// OcxGovernor.queue and execute: a passed proposal into the timelock, and out of it once its delay has passed.
import { keccak256, toHex } from "viem";
import type { Deployment } from "../../deployment.js";
import { ocxGovernorAbi } from "../../generated/abis.js";
import type { ProposalCall } from "../../governance/parameters.js";
import { type WriteClient, type WriteSyncErrorType, type WriteSyncResult, writeSync } from "../internal/contract.js";
import { governorAddress } from "./address.js";

/** Parameters of `queueProposalSync` and `executeProposalSync`: the proposal's calls and description, verbatim. */
export interface ProposalActionParameters {
  deployment: Pick<Deployment, "governor">;
  calls: readonly ProposalCall[];
  description: string;
}
/** The receipt and the `ProposalQueued` event (`etaSeconds`: when it can be executed). */
export type QueueProposalSyncReturnType = WriteSyncResult<typeof ocxGovernorAbi, "ProposalQueued">;
/** The receipt and the `ProposalExecuted` event. */
export type ExecuteProposalSyncReturnType = WriteSyncResult<typeof ocxGovernorAbi, "ProposalExecuted">;
/**
 * What `queueProposalSync` and `executeProposalSync` throw: `OcxContractError` for a revert in simulation, which
 * names the governor's error (`GovernorUnexpectedProposalState`), the timelock's (`TimelockUnexpectedOperationState`:
 * the delay has not passed) or the governed contract's own (`MarketplaceParameterOutOfBounds`: a value out of bounds).
 */
export type ProposalActionErrorType = WriteSyncErrorType;

const args = (p: ProposalActionParameters) => ({
  targets: p.calls.map((c) => c.target),
  values: p.calls.map((c) => c.value),
  calldatas: p.calls.map((c) => c.calldata),
  descriptionHash: keccak256(toHex(p.description)),
});

/**
 * Queues a succeeded proposal in the timelock and waits for the `ProposalQueued` event. Anyone may call it.
 * @example
 * const { event } = await queueProposalSync(walletClient, { deployment, calls, description });
 * event.etaSeconds;
 */
export async function queueProposalSync(
  client: WriteClient,
  parameters: ProposalActionParameters,
): Promise<QueueProposalSyncReturnType> {
  return writeSync(client, {
    address: governorAddress(parameters.deployment),
    abi: ocxGovernorAbi,
    functionName: "queue",
    parameters: args(parameters),
    events: ["ProposalQueued"],
  });
}

/**
 * Executes a queued proposal whose timelock delay has passed and waits for the `ProposalExecuted` event. Anyone
 * may call it. The calls run all or none: one revert (a parameter out of bounds) undoes the whole proposal.
 * @example
 * await executeProposalSync(walletClient, { deployment, calls, description });
 */
export async function executeProposalSync(
  client: WriteClient,
  parameters: ProposalActionParameters,
): Promise<ExecuteProposalSyncReturnType> {
  return writeSync(client, {
    address: governorAddress(parameters.deployment),
    abi: ocxGovernorAbi,
    functionName: "execute",
    parameters: args(parameters),
    events: ["ProposalExecuted"],
  });
}
