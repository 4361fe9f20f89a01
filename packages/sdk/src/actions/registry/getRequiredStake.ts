// Reads the stake a number of committed GPUs needs.
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
 * Parameters of `getRequiredStake`: the deployment, and the arguments of `ProviderRegistry.requiredStake` by their
 * ABI names.
 */
export type GetRequiredStakeParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "requiredStake"
>;
/** What `ProviderRegistry.requiredStake` returns, typed by the generated ABI. */
export type GetRequiredStakeReturnType = ContractResult<typeof providerRegistryAbi, "requiredStake">;
/** What `getRequiredStake` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetRequiredStakeErrorType = ReadErrorType;

/**
 * Reads the stake a provider needs for `committedGpus` GPU units. Calls the registry's `requiredStake`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getRequiredStake, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const requiredStake = await getRequiredStake(client, { deployment, committedGpus: 2n });
 * requiredStake; // parseEther("200") with the default parameters
 */
export async function getRequiredStake(
  client: ReadClient,
  parameters: GetRequiredStakeParameters,
): Promise<GetRequiredStakeReturnType> {
  return read(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "requiredStake",
    parameters,
  });
}
