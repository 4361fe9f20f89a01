// Releases a jailed provider.
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
 * Parameters of `unjail` and `unjailSync`: the deployment, and the arguments of `ProviderRegistry.unjail` by their
 * ABI names.
 */
export type UnjailParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "unjail"
>;
/** The hash of the sent transaction. */
export type UnjailReturnType = Hash;
/** What `unjail` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type UnjailErrorType = WriteErrorType;

/**
 * Releases the account from jail once its stake covers its commitments again.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `unjailSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, unjail } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await unjail(client, { deployment });
 */
export async function unjail(client: WriteClient, parameters: UnjailParameters): Promise<UnjailReturnType> {
  return write(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "unjail",
    parameters,
  });
}

/** Parameters of `unjailSync`: those of `unjail`. */
export type UnjailSyncParameters = UnjailParameters;
/** The receipt and the `Unjailed` event's arguments. */
export type UnjailSyncReturnType = WriteSyncResult<typeof providerRegistryAbi, "Unjailed">;
/**
 * What `unjailSync` throws: what `unjail` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type UnjailSyncErrorType = WriteSyncErrorType;

/**
 * `unjail`, then waits for the receipt and returns it with the `Unjailed` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, unjailSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await unjailSync(client, { deployment });
 * event.provider; // the account
 */
export async function unjailSync(client: WriteClient, parameters: UnjailSyncParameters): Promise<UnjailSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "unjail",
    parameters,
    events: ["Unjailed"],
  });
}
