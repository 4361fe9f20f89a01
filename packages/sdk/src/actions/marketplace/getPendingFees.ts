// Reads the protocol fees not yet flushed.
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
 * Parameters of `getPendingFees`: the deployment, and the arguments of `Marketplace.pendingFees` by their ABI names.
 */
export type GetPendingFeesParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "pendingFees"
>;
/** What `Marketplace.pendingFees` returns, typed by the generated ABI. */
export type GetPendingFeesReturnType = ContractResult<typeof marketplaceAbi, "pendingFees">;
/** What `getPendingFees` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetPendingFeesErrorType = ReadErrorType;

/**
 * Reads the protocol fees collected and not yet flushed. Calls the contract's `pendingFees`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getPendingFees, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const fees = await getPendingFees(client, { deployment });
 * fees; // token units
 */
export async function getPendingFees(
  client: ReadClient,
  parameters: GetPendingFeesParameters,
): Promise<GetPendingFeesReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "pendingFees",
    parameters,
  });
}
