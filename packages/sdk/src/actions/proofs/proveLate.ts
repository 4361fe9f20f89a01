// Anyone proves that a provider missed a challenge deadline.
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
 * Parameters of `proveLate` and `proveLateSync`: the deployment, and the arguments of `ProofOfCompute.proveLate` by their ABI
 * names.
 */
export type ProveLateParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "proveLate"
>;
/** The hash of the sent transaction. */
export type ProveLateReturnType = Hash;
/**
 * What `proveLate` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type ProveLateErrorType = WriteErrorType;

/**
 * Proves that the provider of challenge `id` missed a deadline (no commit by `deadlineAt`, no response or no answer to a dispute round within `responseWindow`): it is slashed `faultSlash`, and the caller receives `rewardBps` of it.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `proveLateSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, proveLate } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await proveLate(client, { deployment, id: 1n });
 */
export async function proveLate(client: WriteClient, parameters: ProveLateParameters): Promise<ProveLateReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "proveLate",
    parameters,
  });
}

/** Parameters of `proveLateSync`: those of `proveLate`. */
export type ProveLateSyncParameters = ProveLateParameters;
/** The receipt and the `ChallengeFaulted` event's arguments. */
export type ProveLateSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "ChallengeFaulted">;
/**
 * What `proveLateSync` throws: what `proveLate` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type ProveLateSyncErrorType = WriteSyncErrorType;

/**
 * `proveLate`, then waits for the receipt and returns it with the `ChallengeFaulted` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, proveLateSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await proveLateSync(client, { deployment, id: 1n });
 * event.fault; // "late" or "unrevealed" as bytes32
 */
export async function proveLateSync(
  client: WriteClient,
  parameters: ProveLateSyncParameters,
): Promise<ProveLateSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "proveLate",
    parameters,
    events: ["ChallengeFaulted"],
  });
}
