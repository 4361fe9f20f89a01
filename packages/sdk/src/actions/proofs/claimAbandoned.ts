// The provider claims the bond of a validator that stopped answering.
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
 * Parameters of `claimAbandoned` and `claimAbandonedSync`: the deployment, and the arguments of `ProofOfCompute.claimAbandoned` by their ABI
 * names.
 */
export type ClaimAbandonedParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "claimAbandoned"
>;
/** The hash of the sent transaction. */
export type ClaimAbandonedReturnType = Hash;
/**
 * What `claimAbandoned` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type ClaimAbandonedErrorType = WriteErrorType;

/**
 * Claims the validator's bond of challenge `id` when the validator did not attest, or did not play its dispute round, within `responseWindow`. Only the challenged provider may call it; no attestation is written.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `claimAbandonedSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { claimAbandoned, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await claimAbandoned(client, { deployment, id: 1n });
 */
export async function claimAbandoned(
  client: WriteClient,
  parameters: ClaimAbandonedParameters,
): Promise<ClaimAbandonedReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "claimAbandoned",
    parameters,
  });
}

/** Parameters of `claimAbandonedSync`: those of `claimAbandoned`. */
export type ClaimAbandonedSyncParameters = ClaimAbandonedParameters;
/** The receipt and the `ChallengeAbandoned` event's arguments. */
export type ClaimAbandonedSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "ChallengeAbandoned">;
/**
 * What `claimAbandonedSync` throws: what `claimAbandoned` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type ClaimAbandonedSyncErrorType = WriteSyncErrorType;

/**
 * `claimAbandoned`, then waits for the receipt and returns it with the `ChallengeAbandoned` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { claimAbandonedSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await claimAbandonedSync(client, { deployment, id: 1n });
 * event.bond;
 */
export async function claimAbandonedSync(
  client: WriteClient,
  parameters: ClaimAbandonedSyncParameters,
): Promise<ClaimAbandonedSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "claimAbandoned",
    parameters,
    events: ["ChallengeAbandoned"],
  });
}
