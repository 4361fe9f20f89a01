// Stores a challenge's seed (its block's hash) and work id on-chain.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { proofOfComputeAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResultOrNone,
  write,
  writeSync,
} from "../internal/contract.js";
import { proofOfComputeAddress } from "./address.js";

/**
 * Parameters of `fixChallengeSeed` and `fixChallengeSeedSync`: the deployment, and the arguments of `ProofOfCompute.fixSeed` by their ABI
 * names.
 */
export type FixChallengeSeedParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "fixSeed"
>;
/** The hash of the sent transaction. */
export type FixChallengeSeedReturnType = Hash;
/**
 * What `fixChallengeSeed` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type FixChallengeSeedErrorType = WriteErrorType;

/**
 * Stores challenge `id`'s seed (the hash of its block) and its work id. Anyone may call it from the block after the challenge, within 256 blocks; it does nothing when the seed is already stored (`commitChallenge` also stores it).
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `fixChallengeSeedSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { fixChallengeSeed, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await fixChallengeSeed(client, { deployment, id: 1n });
 */
export async function fixChallengeSeed(
  client: WriteClient,
  parameters: FixChallengeSeedParameters,
): Promise<FixChallengeSeedReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    simulateOnPending: true,
    functionName: "fixSeed",
    parameters,
  });
}

/** Parameters of `fixChallengeSeedSync`: those of `fixChallengeSeed`. */
export type FixChallengeSeedSyncParameters = FixChallengeSeedParameters;
/** The receipt and the `ChallengeSeedFixed` event's arguments, or no event. */
export type FixChallengeSeedSyncReturnType = WriteSyncResultOrNone<typeof proofOfComputeAbi, "ChallengeSeedFixed">;
/**
 * What `fixChallengeSeedSync` throws: what `fixChallengeSeed` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type FixChallengeSeedSyncErrorType = WriteSyncErrorType;

/**
 * `fixChallengeSeed`, then waits for the receipt and returns it with the `ChallengeSeedFixed` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { fixChallengeSeedSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await fixChallengeSeedSync(client, { deployment, id: 1n });
 * event?.workId; // the packages/proofs Challenge.id
 */
export async function fixChallengeSeedSync(
  client: WriteClient,
  parameters: FixChallengeSeedSyncParameters,
): Promise<FixChallengeSeedSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    simulateOnPending: true,
    functionName: "fixSeed",
    parameters,
    events: ["ChallengeSeedFixed"],
    optional: true,
  });
}
