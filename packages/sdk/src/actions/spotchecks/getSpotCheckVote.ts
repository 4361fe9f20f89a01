// Reads a validator's vote in a spot check.
import type { Address } from "viem";
import { spotChecksAbi } from "../../generated/abis.js";
import { type ContractArgs, type ReadClient, read } from "../internal/contract.js";

type On = { deployment: { spotChecks: Address } };

/** Parameters of `getSpotCheckVote`: the deployment's SpotChecks address, the check and the validator. */
export type GetSpotCheckVoteParameters = On & ContractArgs<typeof spotChecksAbi, "voteOf">;

/**
 * The result hash `validator` submitted to check `checkId` (zero when it did not vote). Calls `voteOf`.
 * @example
 * await getSpotCheckVote(client, { deployment, checkId: 1n, validator: "0x…" });
 */
export async function getSpotCheckVote(
  client: ReadClient,
  parameters: GetSpotCheckVoteParameters,
): Promise<`0x${string}`> {
  return read(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "voteOf",
    parameters,
  });
}
