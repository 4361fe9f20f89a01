// Reads a buyer's request for bids.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getRequest`: the deployment, and the arguments of `Marketplace.getRequest` by their ABI names. */
export type GetRequestParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "getRequest"
>;
/** What `Marketplace.getRequest` returns, typed by the generated ABI. */
export type GetRequestReturnType = ContractResult<typeof marketplaceAbi, "getRequest">;
/** What `getRequest` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetRequestErrorType = ReadErrorType;

/**
 * Reads request `requestId` (state `0`, None, when there is no such request).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getRequest, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const request = await getRequest(client, { deployment, requestId: 1n });
 * request.bestPrice; // the lowest bid so far
 */
export async function getRequest(client: ReadClient, parameters: GetRequestParameters): Promise<GetRequestReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "getRequest",
    parameters,
  });
}
