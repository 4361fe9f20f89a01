// Reads what a lease owes its provider now.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getAccrued`: the deployment, and the arguments of `Marketplace.accrued` by their ABI names. */
export type GetAccruedParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "accrued"
>;
/** What `Marketplace.accrued` returns, typed by the generated ABI. */
export type GetAccruedReturnType = ContractResult<typeof marketplaceAbi, "accrued">;
/** What `getAccrued` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetAccruedErrorType = ReadErrorType;

/**
 * Reads what settling lease `leaseId` now would pay out and the escrow that would be left: `[owed, escrowLeft]`.
 * Calls the contract's `accrued`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getAccrued, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const accrued = await getAccrued(client, { deployment, leaseId: 1n });
 * const [owed, escrowLeft] = accrued;
 */
export async function getAccrued(client: ReadClient, parameters: GetAccruedParameters): Promise<GetAccruedReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "accrued",
    parameters,
  });
}
