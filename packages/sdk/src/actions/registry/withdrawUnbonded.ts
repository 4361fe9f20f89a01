// Sends a provider its unbonded stake.
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
 * Parameters of `withdrawUnbonded` and `withdrawUnbondedSync`: the deployment, and the arguments of
 * `ProviderRegistry.withdrawUnbonded` by their ABI names.
 */
export type WithdrawUnbondedParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "withdrawUnbonded"
>;
/** The hash of the sent transaction. */
export type WithdrawUnbondedReturnType = Hash;
/**
 * What `withdrawUnbonded` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type WithdrawUnbondedErrorType = WriteErrorType;

/**
 * Sends the account's unbonded stake back once its delay has passed.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `withdrawUnbondedSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, withdrawUnbonded } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await withdrawUnbonded(client, { deployment });
 */
export async function withdrawUnbonded(
  client: WriteClient,
  parameters: WithdrawUnbondedParameters,
): Promise<WithdrawUnbondedReturnType> {
  return write(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "withdrawUnbonded",
    parameters,
  });
}

/** Parameters of `withdrawUnbondedSync`: those of `withdrawUnbonded`. */
export type WithdrawUnbondedSyncParameters = WithdrawUnbondedParameters;
/** The receipt and the `Unstaked` event's arguments. */
export type WithdrawUnbondedSyncReturnType = WriteSyncResult<typeof providerRegistryAbi, "Unstaked">;
/**
 * What `withdrawUnbondedSync` throws: what `withdrawUnbonded` throws, `OcxTransactionRevertedError` when the
 * transaction reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type WithdrawUnbondedSyncErrorType = WriteSyncErrorType;

/**
 * `withdrawUnbonded`, then waits for the receipt and returns it with the `Unstaked` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, withdrawUnbondedSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await withdrawUnbondedSync(client, { deployment });
 * event.amount; // what was sent
 */
export async function withdrawUnbondedSync(
  client: WriteClient,
  parameters: WithdrawUnbondedSyncParameters,
): Promise<WithdrawUnbondedSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "withdrawUnbonded",
    parameters,
    events: ["Unstaked"],
  });
}
