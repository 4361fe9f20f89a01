// Changes a provider's public record.
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
 * Parameters of `updateProvider` and `updateProviderSync`: the deployment, and the arguments of
 * `ProviderRegistry.update` by their ABI names.
 */
export type UpdateProviderParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "update"
>;
/** The hash of the sent transaction. */
export type UpdateProviderReturnType = Hash;
/**
 * What `updateProvider` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type UpdateProviderErrorType = WriteErrorType;

/**
 * Changes the account's endpoint, region, metadata hash and API signer. Calls the registry's `update`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `updateProviderSync` waits.
 * @example
 * import { createWalletClient, http, keccak256, stringToHex } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, toLabel, updateProvider } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await updateProvider(client, {
 *   deployment,
 *   endpoint: "https://gpu2.example.com",
 *   region: toLabel("eu-west"),
 *   metadataHash: keccak256(stringToHex("{}")),
 *   apiSigner: client.account.address,
 * });
 */
export async function updateProvider(
  client: WriteClient,
  parameters: UpdateProviderParameters,
): Promise<UpdateProviderReturnType> {
  return write(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "update",
    parameters,
  });
}

/** Parameters of `updateProviderSync`: those of `updateProvider`. */
export type UpdateProviderSyncParameters = UpdateProviderParameters;
/** The receipt and the `ProviderUpdated` event's arguments. */
export type UpdateProviderSyncReturnType = WriteSyncResult<typeof providerRegistryAbi, "ProviderUpdated">;
/**
 * What `updateProviderSync` throws: what `updateProvider` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type UpdateProviderSyncErrorType = WriteSyncErrorType;

/**
 * `updateProvider`, then waits for the receipt and returns it with the `ProviderUpdated` event's arguments.
 * @example
 * import { createWalletClient, http, keccak256, stringToHex } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, toLabel, updateProviderSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await updateProviderSync(client, {
 *   deployment,
 *   endpoint: "https://gpu2.example.com",
 *   region: toLabel("eu-west"),
 *   metadataHash: keccak256(stringToHex("{}")),
 *   apiSigner: client.account.address,
 * });
 * event.endpoint; // "https://gpu2.example.com"
 */
export async function updateProviderSync(
  client: WriteClient,
  parameters: UpdateProviderSyncParameters,
): Promise<UpdateProviderSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "update",
    parameters,
    events: ["ProviderUpdated"],
  });
}
