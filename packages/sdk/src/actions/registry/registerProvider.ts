// Registers the account as an OCX provider.
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
 * Parameters of `registerProvider` and `registerProviderSync`: the deployment, and the arguments of
 * `ProviderRegistry.register` by their ABI names.
 */
export type RegisterProviderParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "register"
>;
/** The hash of the sent transaction. */
export type RegisterProviderReturnType = Hash;
/**
 * What `registerProvider` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type RegisterProviderErrorType = WriteErrorType;

/**
 * Registers the account as a provider with its API `endpoint`, `region`, the hash of its metadata document and the
 * address that signs its API answers. Calls the registry's `register`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `registerProviderSync` waits.
 * @example
 * import { createWalletClient, http, keccak256, stringToHex } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, registerProvider, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await registerProvider(client, {
 *   deployment,
 *   endpoint: "https://gpu.example.com",
 *   region: toLabel("eu-west"),
 *   metadataHash: keccak256(stringToHex("{}")),
 *   apiSigner: client.account.address,
 * });
 */
export async function registerProvider(
  client: WriteClient,
  parameters: RegisterProviderParameters,
): Promise<RegisterProviderReturnType> {
  return write(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "register",
    parameters,
  });
}

/** Parameters of `registerProviderSync`: those of `registerProvider`. */
export type RegisterProviderSyncParameters = RegisterProviderParameters;
/** The receipt and the `ProviderRegistered` event's arguments. */
export type RegisterProviderSyncReturnType = WriteSyncResult<typeof providerRegistryAbi, "ProviderRegistered">;
/**
 * What `registerProviderSync` throws: what `registerProvider` throws, `OcxTransactionRevertedError` when the
 * transaction reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type RegisterProviderSyncErrorType = WriteSyncErrorType;

/**
 * `registerProvider`, then waits for the receipt and returns it with the `ProviderRegistered` event's arguments.
 * @example
 * import { createWalletClient, http, keccak256, stringToHex } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, registerProviderSync, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await registerProviderSync(client, {
 *   deployment,
 *   endpoint: "https://gpu.example.com",
 *   region: toLabel("eu-west"),
 *   metadataHash: keccak256(stringToHex("{}")),
 *   apiSigner: client.account.address,
 * });
 * event.endpoint; // "https://gpu.example.com"
 */
export async function registerProviderSync(
  client: WriteClient,
  parameters: RegisterProviderSyncParameters,
): Promise<RegisterProviderSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "register",
    parameters,
    events: ["ProviderRegistered"],
  });
}
