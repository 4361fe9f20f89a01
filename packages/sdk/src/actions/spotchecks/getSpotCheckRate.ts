// Reads a provider's spot-check rate.
import type { Address } from "viem";
import { spotChecksAbi } from "../../generated/abis.js";
import { type ContractArgs, type ReadClient, read } from "../internal/contract.js";

type On = { deployment: { spotChecks: Address } };

/** Parameters of `getSpotCheckRate`: the deployment's SpotChecks address and the provider. */
export type GetSpotCheckRateParameters = On & ContractArgs<typeof spotChecksAbi, "rateOf">;

/**
 * The provider's check rate in parts per million: 1e6 until 10 consecutive valid checks, then 1e6/consecutive,
 * never below the floor `minRatePpm`. Calls `rateOf`.
 * @example
 * await getSpotCheckRate(client, { deployment, provider: "0x…" }); // 1000000 for a new provider
 */
export async function getSpotCheckRate(client: ReadClient, parameters: GetSpotCheckRateParameters): Promise<number> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "rateOf",
    parameters,
  });
}
