// Reads one spot check.
import type { Address } from "viem";
import { spotChecksAbi } from "../../generated/abis.js";
import { type ContractArgs, type ContractResult, type ReadClient, read } from "../internal/contract.js";

type On = { deployment: { spotChecks: Address } };

/** Parameters of `getSpotCheck`: the deployment's SpotChecks address and the check id. */
export type GetSpotCheckParameters = On & ContractArgs<typeof spotChecksAbi, "getCheck">;
/** What `SpotChecks.getCheck` returns. */
export type GetSpotCheckReturnType = ContractResult<typeof spotChecksAbi, "getCheck">;

/**
 * Reads spot check `checkId` (state `None` when there is no such check). Calls the contract's `getCheck`.
 * @example
 * const check = await getSpotCheck(client, { deployment, checkId: 1n });
 * checkStateName(check.state); // "Open"
 */
export async function getSpotCheck(
  client: ReadClient,
  parameters: GetSpotCheckParameters,
): Promise<GetSpotCheckReturnType> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "getCheck",
    parameters,
  });
}
