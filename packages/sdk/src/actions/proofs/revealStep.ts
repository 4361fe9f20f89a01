// The provider reveals the two vectors of the picked step.
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
 * Parameters of `revealStep` and `revealStepSync`: the deployment, and the arguments of `ProofOfCompute.revealStep` by their ABI
 * names.
 */
export type RevealStepParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "revealStep"
>;
/** The hash of the sent transaction. */
export type RevealStepReturnType = Hash;
/**
 * What `revealStep` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type RevealStepErrorType = WriteErrorType;

/**
 * Reveals v_s and v_{s+1} of the picked step of challenge `id`, each checked against the posted trace hashes.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `revealStepSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, revealStep } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await revealStep(client, { deployment, id: 1n, vs: "0x…", vs1: "0x…" });
 */
export async function revealStep(client: WriteClient, parameters: RevealStepParameters): Promise<RevealStepReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "revealStep",
    parameters,
  });
}

/** Parameters of `revealStepSync`: those of `revealStep`. */
export type RevealStepSyncParameters = RevealStepParameters;
/** The receipt and the `StepRevealed` event's arguments. */
export type RevealStepSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "StepRevealed">;
/**
 * What `revealStepSync` throws: what `revealStep` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type RevealStepSyncErrorType = WriteSyncErrorType;

/**
 * `revealStep`, then waits for the receipt and returns it with the `StepRevealed` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, revealStepSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await revealStepSync(client, { deployment, id: 1n, vs: "0x…", vs1: "0x…" });
 * event.dueAt;
 */
export async function revealStepSync(
  client: WriteClient,
  parameters: RevealStepSyncParameters,
): Promise<RevealStepSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "revealStep",
    parameters,
    events: ["StepRevealed"],
  });
}
