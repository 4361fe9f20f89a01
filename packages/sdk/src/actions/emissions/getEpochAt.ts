// The emission epoch running at unix time `time`, with its start and end..
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

/** Parameters of `getEpochAt`: the deployment, and the arguments of `Emissions.epochAt` by their ABI names. */
export type GetEpochAtParameters = { deployment: Pick<Deployment, "emissions"> } & ContractArgs<
  typeof emissionsAbi,
  "epochAt"
>;
/** What `Emissions.epochAt` returns, typed by the generated ABI. */
export type GetEpochAtReturnType = ContractResult<typeof emissionsAbi, "epochAt">;
/** What `getEpochAt` throws: `DeploymentError` when the deployment has no Emissions, `OcxContractError`, or viem's read errors. */
export type GetEpochAtErrorType = ReadErrorType;

/**
 * The emission epoch running at unix time `time`, with its start and end.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getEpochAt, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await getEpochAt(client, { deployment, time: BigInt(Math.floor(Date.now() / 1000)) });
 * result; // [epoch, start, end]
 */
export async function getEpochAt(client: ReadClient, parameters: GetEpochAtParameters): Promise<GetEpochAtReturnType> {
  return read(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "epochAt",
    parameters,
  });
}
