// Reads a provider's public record.
import type { Deployment } from "../../deployment.js";
import { providerRegistryAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/**
 * Parameters of `getProvider`: the deployment, and the arguments of `ProviderRegistry.getProvider` by their ABI
 * names.
 */
export type GetProviderParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "getProvider"
>;
/** What `ProviderRegistry.getProvider` returns, typed by the generated ABI. */
export type GetProviderReturnType = ContractResult<typeof providerRegistryAbi, "getProvider">;
/** What `getProvider` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetProviderErrorType = ReadErrorType;

/**
 * Reads `provider`'s record (`registered` false when it never registered).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getProvider, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const provider = await getProvider(client, {
 *   deployment,
 *   provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 * });
 * provider.endpoint; // "https://gpu.example.com"
 */
export async function getProvider(
  client: ReadClient,
  parameters: GetProviderParameters,
): Promise<GetProviderReturnType> {
  return read(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    parameters,
  });
}
