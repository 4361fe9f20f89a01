// The emission schedule in force and the one that takes over at the next epoch boundary (zero when none)..
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

/** Parameters of `getEmissionSchedules`: the deployment, and the arguments of `Emissions.schedules` by their ABI names. */
export type GetEmissionSchedulesParameters = { deployment: Pick<Deployment, "emissions"> } & ContractArgs<
  typeof emissionsAbi,
  "schedules"
>;
/** What `Emissions.schedules` returns, typed by the generated ABI. */
export type GetEmissionSchedulesReturnType = ContractResult<typeof emissionsAbi, "schedules">;
/** What `getEmissionSchedules` throws: `DeploymentError` when the deployment has no Emissions, `OcxContractError`, or viem's read errors. */
export type GetEmissionSchedulesErrorType = ReadErrorType;

/**
 * The emission schedule in force and the one that takes over at the next epoch boundary (zero when none).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getEmissionSchedules, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await getEmissionSchedules(client, { deployment });
 * result; // [current, next]
 */
export async function getEmissionSchedules(
  client: ReadClient,
  parameters: GetEmissionSchedulesParameters,
): Promise<GetEmissionSchedulesReturnType> {
  return read(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "schedules",
    parameters,
  });
}
