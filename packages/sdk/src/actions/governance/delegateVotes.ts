// OcxToken.delegate: gives the caller's votes to an account (itself to vote directly).
import type { Address } from "viem";
import type { Deployment } from "../../deployment.js";
import { ocxTokenAbi } from "../../generated/abis.js";
import { type WriteClient, type WriteSyncErrorType, type WriteSyncResult, writeSync } from "../internal/contract.js";

/** Parameters of `delegateVotesSync`: the deployment and who receives the caller's votes. */
export interface DelegateVotesSyncParameters {
  deployment: Pick<Deployment, "token">;
  /** The delegate; the caller's own address to vote with its own tokens. */
  delegatee: Address;
}
/** The receipt and the token's `DelegateChanged` event. */
export type DelegateVotesSyncReturnType = WriteSyncResult<typeof ocxTokenAbi, "DelegateChanged">;
/** What `delegateVotesSync` throws: a decoded revert (`OcxContractError`, e.g. an escrow), or viem's errors. */
export type DelegateVotesSyncErrorType = WriteSyncErrorType;

/**
 * Delegates the caller's OCX votes and waits for the receipt. Votes count from the next block: a proposal's
 * snapshot taken before it does not see them. Tokens vote only once delegated, to oneself or to another.
 * @example
 * const { event } = await delegateVotesSync(walletClient, { deployment, delegatee: walletClient.account.address });
 * event.toDelegate;
 */
export async function delegateVotesSync(
  client: WriteClient,
  parameters: DelegateVotesSyncParameters,
): Promise<DelegateVotesSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.token,
    abi: ocxTokenAbi,
    functionName: "delegate",
    parameters,
    events: ["DelegateChanged"],
  });
}
