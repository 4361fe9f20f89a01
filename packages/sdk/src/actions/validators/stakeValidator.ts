// Adds to a validator's stake.
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
 * Parameters of `stakeValidator` and `stakeValidatorSync`: the deployment, and the arguments of `ValidatorRegistry.stake` by their ABI
 * names.
 */
export type StakeValidatorParameters = { deployment: Pick<Deployment, "validatorRegistry"> } & ContractArgs<
  typeof validatorRegistryAbi,
  "stake"
>;
/** The hash of the sent transaction. */
export type StakeValidatorReturnType = Hash;
/**
 * What `stakeValidator` throws: `DeploymentError` when the deployment has no ValidatorRegistry, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type StakeValidatorErrorType = WriteErrorType;

/**
 * Adds `amount` (pulled from the account: approve the ValidatorRegistry first with `ensureAllowance`) to the account's validator stake. Anyone may stake before admission.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `stakeValidatorSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, stakeValidator } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await stakeValidator(client, { deployment, amount: parseEther("1000") });
 */
export async function stakeValidator(
  client: WriteClient,
  parameters: StakeValidatorParameters,
): Promise<StakeValidatorReturnType> {
  return write(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "stake",
    parameters,
  });
}

/** Parameters of `stakeValidatorSync`: those of `stakeValidator`. */
export type StakeValidatorSyncParameters = StakeValidatorParameters;
/** The receipt and the `ValidatorStaked` event's arguments. */
export type StakeValidatorSyncReturnType = WriteSyncResult<typeof validatorRegistryAbi, "ValidatorStaked">;
/**
 * What `stakeValidatorSync` throws: what `stakeValidator` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type StakeValidatorSyncErrorType = WriteSyncErrorType;

/**
 * `stakeValidator`, then waits for the receipt and returns it with the `ValidatorStaked` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, stakeValidatorSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await stakeValidatorSync(client, { deployment, amount: parseEther("1000") });
 * event.stake; // the new total
 */
export async function stakeValidatorSync(
  client: WriteClient,
  parameters: StakeValidatorSyncParameters,
): Promise<StakeValidatorSyncReturnType> {
  return writeSync(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "stake",
    parameters,
    events: ["ValidatorStaked"],
  });
}
