// Reads the marketplace's protocol parameters.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/**
 * Parameters of `getMarketplaceParameters`: the deployment, and the arguments of `Marketplace.parameters` by their
 * ABI names.
 */
export type GetMarketplaceParametersParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "parameters"
>;
/** What `Marketplace.parameters` returns, typed by the generated ABI. */
export type GetMarketplaceParametersReturnType = ContractResult<typeof marketplaceAbi, "parameters">;
/** What `getMarketplaceParameters` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetMarketplaceParametersErrorType = ReadErrorType;

/**
 * Reads the marketplace's fee, acknowledgement window, longest bidding window and fee sink.
 * Calls the marketplace's `parameters`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getMarketplaceParameters, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const parameters = await getMarketplaceParameters(client, { deployment });
 * parameters.feeBps; // 250
 */
export async function getMarketplaceParameters(
  client: ReadClient,
  parameters: GetMarketplaceParametersParameters,
): Promise<GetMarketplaceParametersReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "parameters",
    parameters,
  });
}
