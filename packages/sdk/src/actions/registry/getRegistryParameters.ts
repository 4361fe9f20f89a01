// Reads the registry's protocol parameters.
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
 * Parameters of `getRegistryParameters`: the deployment, and the arguments of `ProviderRegistry.parameters` by their
 * ABI names.
 */
export type GetRegistryParametersParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "parameters"
>;
/** What `ProviderRegistry.parameters` returns, typed by the generated ABI. */
export type GetRegistryParametersReturnType = ContractResult<typeof providerRegistryAbi, "parameters">;
/** What `getRegistryParameters` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetRegistryParametersErrorType = ReadErrorType;

/**
 * Reads the registry's stake per GPU, unbonding delay and slash sink. Calls the registry's `parameters`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getRegistryParameters, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const parameters = await getRegistryParameters(client, { deployment });
 * parameters.minStakePerGpu; // 100000000000000000000n
 */
export async function getRegistryParameters(
  client: ReadClient,
  parameters: GetRegistryParametersParameters,
): Promise<GetRegistryParametersReturnType> {
  return read(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "parameters",
    parameters,
  });
}
