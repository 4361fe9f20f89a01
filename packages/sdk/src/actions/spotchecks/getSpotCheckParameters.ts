// Reads the spot-check parameters.
import type { Address } from "viem";
import { spotChecksAbi } from "../../generated/abis.js";
import { type ContractResult, type ReadClient, read } from "../internal/contract.js";

type On = { deployment: { spotChecks: Address } };

/** Parameters of `getSpotCheckParameters`: the deployment's SpotChecks address. */
export type GetSpotCheckParametersParameters = On;
/** What `SpotChecks.parameters` returns. */
export type GetSpotCheckParametersReturnType = ContractResult<typeof spotChecksAbi, "parameters">;

/**
 * The spot-check parameters: bond, slash, reward, quorums, windows, the replication threshold and the rate floor.
 * @example
 * const { submitWindow } = await getSpotCheckParameters(client, { deployment });
 */
export async function getSpotCheckParameters(
  client: ReadClient,
  parameters: GetSpotCheckParametersParameters,
): Promise<GetSpotCheckParametersReturnType> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "parameters",
    parameters: {},
  });
}
