// Reads a provider's unwithdrawn earnings.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getEarnings`: the deployment, and the arguments of `Marketplace.earningsOf` by their ABI names. */
export type GetEarningsParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "earningsOf"
>;
/** What `Marketplace.earningsOf` returns, typed by the generated ABI. */
export type GetEarningsReturnType = ContractResult<typeof marketplaceAbi, "earningsOf">;
/** What `getEarnings` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetEarningsErrorType = ReadErrorType;

/**
 * Reads the earnings credited to `provider` and not yet withdrawn. Calls the contract's `earningsOf`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getEarnings, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const earnings = await getEarnings(client, {
 *   deployment,
 *   provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 * });
 * earnings; // token units
 */
export async function getEarnings(
  client: ReadClient,
  parameters: GetEarningsParameters,
): Promise<GetEarningsReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "earningsOf",
    parameters,
  });
}
