// The validator admin removes a validator.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { validatorRegistryAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { validatorRegistryAddress } from "./address.js";

/**
 * Parameters of `removeValidator` and `removeValidatorSync`: the deployment, and the arguments of `ValidatorRegistry.remove` by their ABI
 * names.
 */
export type RemoveValidatorParameters = { deployment: Pick<Deployment, "validatorRegistry"> } & ContractArgs<
  typeof validatorRegistryAbi,
  "remove"
>;
/** The hash of the sent transaction. */
export type RemoveValidatorReturnType = Hash;
/**
 * What `removeValidator` throws: `DeploymentError` when the deployment has no ValidatorRegistry, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type RemoveValidatorErrorType = WriteErrorType;

/**
 * Removes `validator` (VALIDATOR_ADMIN_ROLE): it can no longer open challenges; its open bonds still resolve and its stake still unbonds.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `removeValidatorSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, removeValidator } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await removeValidator(client, { deployment, validator: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" });
 */
export async function removeValidator(
  client: WriteClient,
  parameters: RemoveValidatorParameters,
): Promise<RemoveValidatorReturnType> {
  return write(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "remove",
    parameters,
  });
}

/** Parameters of `removeValidatorSync`: those of `removeValidator`. */
export type RemoveValidatorSyncParameters = RemoveValidatorParameters;
/** The receipt and the `ValidatorRemoved` event's arguments. */
export type RemoveValidatorSyncReturnType = WriteSyncResult<typeof validatorRegistryAbi, "ValidatorRemoved">;
/**
 * What `removeValidatorSync` throws: what `removeValidator` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type RemoveValidatorSyncErrorType = WriteSyncErrorType;

/**
 * `removeValidator`, then waits for the receipt and returns it with the `ValidatorRemoved` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, removeValidatorSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await removeValidatorSync(client, { deployment, validator: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" });
 * event.validator;
 */
export async function removeValidatorSync(
  client: WriteClient,
  parameters: RemoveValidatorSyncParameters,
): Promise<RemoveValidatorSyncReturnType> {
  return writeSync(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "remove",
    parameters,
    events: ["ValidatorRemoved"],
  });
}
