// Reads the protocol fees booked beside a provider's earnings.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getFees`: the deployment, and the arguments of `Marketplace.feesOf` by their ABI names. */
export type GetFeesParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "feesOf"
>;
/** What `Marketplace.feesOf` returns, typed by the generated ABI. */
export type GetFeesReturnType = ContractResult<typeof marketplaceAbi, "feesOf">;
/** What `getFees` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetFeesErrorType = ReadErrorType;

/**
 * Reads the protocol fees from `provider`'s leases, booked beside its earnings and not yet swept into the pool
 * (`sweepFees`, or the provider's `withdraw`, which leaves one unit). Calls the contract's `feesOf`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getFees, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const fees = await getFees(client, {
 *   deployment,
 *   provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 * });
 * fees; // token units
 */
export async function getFees(client: ReadClient, parameters: GetFeesParameters): Promise<GetFeesReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "feesOf",
    parameters,
  });
}
