// Reads a provider's spot-check record.
import type { Address } from "viem";
import { spotChecksAbi } from "../../generated/abis.js";
import { type ContractArgs, type ContractResult, type ReadClient, read } from "../internal/contract.js";

type On = { deployment: { spotChecks: Address } };

/** Parameters of `getSpotCheckRecord`: the deployment's SpotChecks address and the provider. */
export type GetSpotCheckRecordParameters = On & ContractArgs<typeof spotChecksAbi, "recordOf">;
/** What `SpotChecks.recordOf` returns: consecutive valid, valid and invalid checks. */
export type GetSpotCheckRecordReturnType = ContractResult<typeof spotChecksAbi, "recordOf">;

/**
 * A provider's spot-check record. Calls `recordOf`.
 * @example
 * const { consecutiveValid } = await getSpotCheckRecord(client, { deployment, provider: "0x…" });
 */
export async function getSpotCheckRecord(
  client: ReadClient,
  parameters: GetSpotCheckRecordParameters,
): Promise<GetSpotCheckRecordReturnType> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "recordOf",
    parameters,
  });
}
