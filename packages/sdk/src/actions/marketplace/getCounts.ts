// Reads how many offers, leases and requests exist.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getCounts`: the deployment, and the arguments of `Marketplace.counts` by their ABI names. */
export type GetCountsParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "counts"
>;
/** What `Marketplace.counts` returns, typed by the generated ABI. */
export type GetCountsReturnType = ContractResult<typeof marketplaceAbi, "counts">;
/** What `getCounts` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetCountsErrorType = ReadErrorType;

/**
 * Reads the number of offers, leases and requests created so far (ids start at 1): `[offers, leases, requests]`.
 * Calls the contract's `counts`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getCounts, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const counts = await getCounts(client, { deployment });
 * const [offers, leases, requests] = counts;
 */
export async function getCounts(client: ReadClient, parameters: GetCountsParameters): Promise<GetCountsReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "counts",
    parameters,
  });
}
