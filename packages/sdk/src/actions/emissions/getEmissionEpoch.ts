// The record of one emission epoch.
import type { Deployment } from "../../deployment.js";
import { emissionsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";
import { emissionsAddress } from "./address.js";

/** Parameters of `getEmissionEpoch`: the deployment, and the arguments of `Emissions.getEpoch` by their ABI names. */
export type GetEmissionEpochParameters = { deployment: Pick<Deployment, "emissions"> } & ContractArgs<
  typeof emissionsAbi,
  "getEpoch"
>;
/** What `Emissions.getEpoch` returns, typed by the generated ABI. */
export type GetEmissionEpochReturnType = ContractResult<typeof emissionsAbi, "getEpoch">;
/** What `getEmissionEpoch` throws: `DeploymentError` when the deployment has no Emissions, `OcxContractError`, or viem's read errors. */
export type GetEmissionEpochErrorType = ReadErrorType;

/**
 * The record of one emission epoch: start, end, emission and all providers’ verified GPU-seconds (zero when no work was recorded).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getEmissionEpoch, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await getEmissionEpoch(client, { deployment, epoch: 0n });
 * result; // { start, end, emission, units }
 */
export async function getEmissionEpoch(
  client: ReadClient,
  parameters: GetEmissionEpochParameters,
): Promise<GetEmissionEpochReturnType> {
  return read(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "getEpoch",
    parameters,
  });
}
