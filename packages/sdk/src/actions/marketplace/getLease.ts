// Reads a lease.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getLease`: the deployment, and the arguments of `Marketplace.getLease` by their ABI names. */
export type GetLeaseParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "getLease"
>;
/** What `Marketplace.getLease` returns, typed by the generated ABI. */
export type GetLeaseReturnType = ContractResult<typeof marketplaceAbi, "getLease">;
/** What `getLease` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetLeaseErrorType = ReadErrorType;

/**
 * Reads lease `leaseId` (state `0`, None, when there is no such lease). The fields are the ABI's `Lease` struct; the
 * lease's manifest hash is always in its `LeaseCreated` event (`getManifestHash`).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getLease, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const lease = await getLease(client, { deployment, leaseId: 1n });
 * lease.escrow; // deposit not yet paid out
 */
export async function getLease(client: ReadClient, parameters: GetLeaseParameters): Promise<GetLeaseReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "getLease",
    parameters,
  });
}
