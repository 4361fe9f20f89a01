// Withdraws a validator's unbonded stake.
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
 * Parameters of `withdrawValidatorUnbonded` and `withdrawValidatorUnbondedSync`: the deployment, and the arguments of `ValidatorRegistry.withdrawUnbonded` by their ABI
 * names.
 */
export type WithdrawValidatorUnbondedParameters = { deployment: Pick<Deployment, "validatorRegistry"> } & ContractArgs<
  typeof validatorRegistryAbi,
  "withdrawUnbonded"
>;
/** The hash of the sent transaction. */
export type WithdrawValidatorUnbondedReturnType = Hash;
/**
 * What `withdrawValidatorUnbonded` throws: `DeploymentError` when the deployment has no ValidatorRegistry, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type WithdrawValidatorUnbondedErrorType = WriteErrorType;

/**
 * Sends the account's unbonded validator stake back once its delay has passed.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `withdrawValidatorUnbondedSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, withdrawValidatorUnbonded } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await withdrawValidatorUnbonded(client, { deployment,  });
 */
export async function withdrawValidatorUnbonded(
  client: WriteClient,
  parameters: WithdrawValidatorUnbondedParameters,
): Promise<WithdrawValidatorUnbondedReturnType> {
  return write(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "withdrawUnbonded",
    parameters,
  });
}

/** Parameters of `withdrawValidatorUnbondedSync`: those of `withdrawValidatorUnbonded`. */
export type WithdrawValidatorUnbondedSyncParameters = WithdrawValidatorUnbondedParameters;
/** The receipt and the `ValidatorUnstaked` event's arguments. */
export type WithdrawValidatorUnbondedSyncReturnType = WriteSyncResult<typeof validatorRegistryAbi, "ValidatorUnstaked">;
/**
 * What `withdrawValidatorUnbondedSync` throws: what `withdrawValidatorUnbonded` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type WithdrawValidatorUnbondedSyncErrorType = WriteSyncErrorType;

/**
 * `withdrawValidatorUnbonded`, then waits for the receipt and returns it with the `ValidatorUnstaked` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, withdrawValidatorUnbondedSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await withdrawValidatorUnbondedSync(client, { deployment,  });
 * event.amount;
 */
export async function withdrawValidatorUnbondedSync(
  client: WriteClient,
  parameters: WithdrawValidatorUnbondedSyncParameters,
): Promise<WithdrawValidatorUnbondedSyncReturnType> {
  return writeSync(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "withdrawUnbonded",
    parameters,
    events: ["ValidatorUnstaked"],
  });
}
