// Reads a provider's bid on a request.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getBid`: the deployment, and the arguments of `Marketplace.bidOf` by their ABI names. */
export type GetBidParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "bidOf"
>;
/** What `Marketplace.bidOf` returns, typed by the generated ABI. */
export type GetBidReturnType = ContractResult<typeof marketplaceAbi, "bidOf">;
/** What `getBid` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetBidErrorType = ReadErrorType;

/**
 * Reads `provider`'s bid on request `requestId` (per-second price), or `0n` when it has none. Calls the contract's
 * `bidOf`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getBid, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const bid = await getBid(client, {
 *   deployment,
 *   requestId: 1n,
 *   provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 * });
 * bid; // 833333333333333n
 */
export async function getBid(client: ReadClient, parameters: GetBidParameters): Promise<GetBidReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "bidOf",
    parameters,
  });
}
