// Tells whether a provider may take new leases.
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
 * Parameters of `isProviderActive`: the deployment, and the arguments of `ProviderRegistry.isActive` by their ABI
 * names.
 */
export type IsProviderActiveParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "isActive"
>;
/** What `ProviderRegistry.isActive` returns, typed by the generated ABI. */
export type IsProviderActiveReturnType = ContractResult<typeof providerRegistryAbi, "isActive">;
/** What `isProviderActive` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type IsProviderActiveErrorType = ReadErrorType;

/**
 * True when `provider` is registered, not jailed, and staked for its commitments. Calls the registry's `isActive`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { isProviderActive, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const active = await isProviderActive(client, {
 *   deployment,
 *   provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 * });
 * active; // true
 */
export async function isProviderActive(
  client: ReadClient,
  parameters: IsProviderActiveParameters,
): Promise<IsProviderActiveReturnType> {
  return read(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "isActive",
    parameters,
  });
}
