// Reads which spot check a lease has.
import type { Address } from "viem";
import { spotChecksAbi } from "../../generated/abis.js";
import { type ContractArgs, type ReadClient, read } from "../internal/contract.js";

type On = { deployment: { spotChecks: Address } };

/** Parameters of `getSpotCheckOfLease`: the deployment's SpotChecks address and the lease id. */
export type GetSpotCheckOfLeaseParameters = On & ContractArgs<typeof spotChecksAbi, "checkOfLease">;

/**
 * The id of lease `leaseId`'s spot check, or 0n when it has none (each lease gets at most one). Calls `checkOfLease`.
 * @example
 * await getSpotCheckOfLease(client, { deployment, leaseId: 7n }); // 0n
 */
export async function getSpotCheckOfLease(
  client: ReadClient,
  parameters: GetSpotCheckOfLeaseParameters,
): Promise<bigint> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "checkOfLease",
    parameters,
  });
}
