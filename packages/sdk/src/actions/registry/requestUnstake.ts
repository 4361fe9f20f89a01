// Starts unbonding part of a provider's stake.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { providerRegistryAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";

/**
 * Parameters of `requestUnstake` and `requestUnstakeSync`: the deployment, and the arguments of
 * `ProviderRegistry.requestUnstake` by their ABI names.
 */
export type RequestUnstakeParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "requestUnstake"
>;
/** The hash of the sent transaction. */
export type RequestUnstakeReturnType = Hash;
/**
 * What `requestUnstake` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type RequestUnstakeErrorType = WriteErrorType;

/**
 * Starts unbonding `amount` of the account's stake; it can be withdrawn with `withdrawUnbonded` after the
 * registry's unbonding delay. Adds to any amount already unbonding and restarts the delay.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `requestUnstakeSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, requestUnstake } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await requestUnstake(client, { deployment, amount: parseEther("50") });
 */
export async function requestUnstake(
  client: WriteClient,
  parameters: RequestUnstakeParameters,
): Promise<RequestUnstakeReturnType> {
  return write(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "requestUnstake",
    parameters,
  });
}

/** Parameters of `requestUnstakeSync`: those of `requestUnstake`. */
export type RequestUnstakeSyncParameters = RequestUnstakeParameters;
/** The receipt and the `UnstakeRequested` event's arguments. */
export type RequestUnstakeSyncReturnType = WriteSyncResult<typeof providerRegistryAbi, "UnstakeRequested">;
/**
 * What `requestUnstakeSync` throws: what `requestUnstake` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type RequestUnstakeSyncErrorType = WriteSyncErrorType;

/**
 * `requestUnstake`, then waits for the receipt and returns it with the `UnstakeRequested` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, requestUnstakeSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await requestUnstakeSync(client, { deployment, amount: parseEther("50") });
 * event.readyAt; // when it can be withdrawn
 */
export async function requestUnstakeSync(
  client: WriteClient,
  parameters: RequestUnstakeSyncParameters,
): Promise<RequestUnstakeSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "requestUnstake",
    parameters,
    events: ["UnstakeRequested"],
  });
}
