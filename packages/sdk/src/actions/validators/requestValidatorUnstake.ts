// Starts unbonding part of a validator's free stake.
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
 * Parameters of `requestValidatorUnstake` and `requestValidatorUnstakeSync`: the deployment, and the arguments of `ValidatorRegistry.requestUnstake` by their ABI
 * names.
 */
export type RequestValidatorUnstakeParameters = { deployment: Pick<Deployment, "validatorRegistry"> } & ContractArgs<
  typeof validatorRegistryAbi,
  "requestUnstake"
>;
/** The hash of the sent transaction. */
export type RequestValidatorUnstakeReturnType = Hash;
/**
 * What `requestValidatorUnstake` throws: `DeploymentError` when the deployment has no ValidatorRegistry, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type RequestValidatorUnstakeErrorType = WriteErrorType;

/**
 * Starts unbonding `amount` of the account's free (unlocked) validator stake; it can be withdrawn with `withdrawValidatorUnbonded` after the unbonding delay.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `requestValidatorUnstakeSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, requestValidatorUnstake } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await requestValidatorUnstake(client, { deployment, amount: parseEther("100") });
 */
export async function requestValidatorUnstake(
  client: WriteClient,
  parameters: RequestValidatorUnstakeParameters,
): Promise<RequestValidatorUnstakeReturnType> {
  return write(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "requestUnstake",
    parameters,
  });
}

/** Parameters of `requestValidatorUnstakeSync`: those of `requestValidatorUnstake`. */
export type RequestValidatorUnstakeSyncParameters = RequestValidatorUnstakeParameters;
/** The receipt and the `ValidatorUnstakeRequested` event's arguments. */
export type RequestValidatorUnstakeSyncReturnType = WriteSyncResult<
  typeof validatorRegistryAbi,
  "ValidatorUnstakeRequested"
>;
/**
 * What `requestValidatorUnstakeSync` throws: what `requestValidatorUnstake` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type RequestValidatorUnstakeSyncErrorType = WriteSyncErrorType;

/**
 * `requestValidatorUnstake`, then waits for the receipt and returns it with the `ValidatorUnstakeRequested` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, requestValidatorUnstakeSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await requestValidatorUnstakeSync(client, { deployment, amount: parseEther("100") });
 * event.readyAt; // unix seconds
 */
export async function requestValidatorUnstakeSync(
  client: WriteClient,
  parameters: RequestValidatorUnstakeSyncParameters,
): Promise<RequestValidatorUnstakeSyncReturnType> {
  return writeSync(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "requestUnstake",
    parameters,
    events: ["ValidatorUnstakeRequested"],
  });
}
