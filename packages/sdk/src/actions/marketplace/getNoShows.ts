// Reads how often a provider failed to acknowledge a lease.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getNoShows`: the deployment, and the arguments of `Marketplace.noShowsOf` by their ABI names. */
export type GetNoShowsParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "noShowsOf"
>;
/** What `Marketplace.noShowsOf` returns, typed by the generated ABI. */
export type GetNoShowsReturnType = ContractResult<typeof marketplaceAbi, "noShowsOf">;
/** What `getNoShows` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetNoShowsErrorType = ReadErrorType;

/**
 * Reads how many leases `provider` failed to acknowledge in time. Calls the contract's `noShowsOf`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getNoShows, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const noShows = await getNoShows(client, {
 *   deployment,
 *   provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 * });
 * noShows; // 0n
 */
export async function getNoShows(client: ReadClient, parameters: GetNoShowsParameters): Promise<GetNoShowsReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "noShowsOf",
    parameters,
  });
}
