// The validator picks the step of a trace it disputes.
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
 * Parameters of `pickStep` and `pickStepSync`: the deployment, and the arguments of `ProofOfCompute.pickStep` by their ABI
 * names.
 */
export type PickStepParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "pickStep"
>;
/** The hash of the sent transaction. */
export type PickStepReturnType = Hash;
/**
 * What `pickStep` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type PickStepErrorType = WriteErrorType;

/**
 * Picks step `s` of the posted trace of challenge `id`: the validator agrees with v_s and disputes v_{s+1}.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `pickStepSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, pickStep } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await pickStep(client, { deployment, id: 1n, s: 0 });
 */
export async function pickStep(client: WriteClient, parameters: PickStepParameters): Promise<PickStepReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "pickStep",
    parameters,
  });
}

/** Parameters of `pickStepSync`: those of `pickStep`. */
export type PickStepSyncParameters = PickStepParameters;
/** The receipt and the `StepPicked` event's arguments. */
export type PickStepSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "StepPicked">;
/**
 * What `pickStepSync` throws: what `pickStep` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type PickStepSyncErrorType = WriteSyncErrorType;

/**
 * `pickStep`, then waits for the receipt and returns it with the `StepPicked` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, pickStepSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await pickStepSync(client, { deployment, id: 1n, s: 0 });
 * event.dueAt;
 */
export async function pickStepSync(
  client: WriteClient,
  parameters: PickStepSyncParameters,
): Promise<PickStepSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "pickStep",
    parameters,
    events: ["StepPicked"],
  });
}
