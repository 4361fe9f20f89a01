// A provider’s verified GPU-seconds recorded in one epoch, and whether it claimed them..
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

/** Parameters of `getEmissionWork`: the deployment, and the arguments of `Emissions.workOf` by their ABI names. */
export type GetEmissionWorkParameters = { deployment: Pick<Deployment, "emissions"> } & ContractArgs<
  typeof emissionsAbi,
  "workOf"
>;
/** What `Emissions.workOf` returns, typed by the generated ABI. */
export type GetEmissionWorkReturnType = ContractResult<typeof emissionsAbi, "workOf">;
/** What `getEmissionWork` throws: `DeploymentError` when the deployment has no Emissions, `OcxContractError`, or viem's read errors. */
export type GetEmissionWorkErrorType = ReadErrorType;

/**
 * A provider’s verified GPU-seconds recorded in one epoch, and whether it claimed them.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getEmissionWork, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await getEmissionWork(client, { deployment, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", epoch: 0n });
 * result; // [units, claimed]
 */
export async function getEmissionWork(
  client: ReadClient,
  parameters: GetEmissionWorkParameters,
): Promise<GetEmissionWorkReturnType> {
  return read(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "workOf",
    parameters,
  });
}
