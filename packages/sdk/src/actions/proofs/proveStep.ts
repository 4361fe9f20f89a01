// The validator names the wrong entry of a revealed step.
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
 * Parameters of `proveStep` and `proveStepSync`: the deployment, and the arguments of `ProofOfCompute.proveStep` by their ABI
 * names.
 */
export type ProveStepParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "proveStep"
>;
/** The hash of the sent transaction. */
export type ProveStepReturnType = Hash;
/**
 * What `proveStep` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type ProveStepErrorType = WriteErrorType;

/**
 * Names entry `j` of v_{s+1} of challenge `id`; the contract recomputes it from v_s in O(n): a mismatch slashes the provider ("bad-step"), agreement dismisses the accusation and pays the provider the validator's bond.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `proveStepSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, proveStep } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await proveStep(client, { deployment, id: 1n, j: 5 });
 */
export async function proveStep(client: WriteClient, parameters: ProveStepParameters): Promise<ProveStepReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "proveStep",
    parameters,
  });
}

/** Parameters of `proveStepSync`: those of `proveStep`. */
export type ProveStepSyncParameters = ProveStepParameters;
/** The receipt and the `ChallengeFaulted` or `AccusationFailed` event's arguments. */
export type ProveStepSyncReturnType = WriteSyncResult<
  typeof proofOfComputeAbi,
  "ChallengeFaulted" | "AccusationFailed"
>;
/**
 * What `proveStepSync` throws: what `proveStep` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type ProveStepSyncErrorType = WriteSyncErrorType;

/**
 * `proveStep`, then waits for the receipt and returns it with the `ChallengeFaulted` or `AccusationFailed` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, proveStepSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { eventName } = await proveStepSync(client, { deployment, id: 1n, j: 5 });
 * eventName; // "ChallengeFaulted" when the entry was wrong
 */
export async function proveStepSync(
  client: WriteClient,
  parameters: ProveStepSyncParameters,
): Promise<ProveStepSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "proveStep",
    parameters,
    events: ["ChallengeFaulted", "AccusationFailed"],
  });
}
