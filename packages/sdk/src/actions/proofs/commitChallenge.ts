// The provider commits to the Merkle root of its challenge result.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { proofOfComputeAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { proofOfComputeAddress } from "./address.js";

/**
 * Parameters of `commitChallenge` and `commitChallengeSync`: the deployment, and the arguments of `ProofOfCompute.commit` by their ABI
 * names.
 */
export type CommitChallengeParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "commit"
>;
/** The hash of the sent transaction. */
export type CommitChallengeReturnType = Hash;
/**
 * What `commitChallenge` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type CommitChallengeErrorType = WriteErrorType;

/**
 * Commits the Merkle root of Y's rows (`session.commitment.root` of @ocx/proofs) for challenge `id`, by its `deadlineAt`. Only the challenged provider may call it.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `commitChallengeSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { commitChallenge, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await commitChallenge(client, { deployment, id: 1n, root: "0x…" });
 */
export async function commitChallenge(
  client: WriteClient,
  parameters: CommitChallengeParameters,
): Promise<CommitChallengeReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    simulateOnPending: true,
    functionName: "commit",
    parameters,
  });
}

/** Parameters of `commitChallengeSync`: those of `commitChallenge`. */
export type CommitChallengeSyncParameters = CommitChallengeParameters;
/** The receipt and the `ChallengeCommitted` event's arguments. */
export type CommitChallengeSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "ChallengeCommitted">;
/**
 * What `commitChallengeSync` throws: what `commitChallenge` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type CommitChallengeSyncErrorType = WriteSyncErrorType;

/**
 * `commitChallenge`, then waits for the receipt and returns it with the `ChallengeCommitted` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { commitChallengeSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await commitChallengeSync(client, { deployment, id: 1n, root: "0x…" });
 * event.committedAt; // seconds
 */
export async function commitChallengeSync(
  client: WriteClient,
  parameters: CommitChallengeSyncParameters,
): Promise<CommitChallengeSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    simulateOnPending: true,
    functionName: "commit",
    parameters,
    events: ["ChallengeCommitted"],
  });
}
