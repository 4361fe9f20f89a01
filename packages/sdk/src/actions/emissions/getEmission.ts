// E_e.
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

/** Parameters of `getEmission`: the deployment, and the arguments of `Emissions.emissionOf` by their ABI names. */
export type GetEmissionParameters = { deployment: Pick<Deployment, "emissions"> } & ContractArgs<
  typeof emissionsAbi,
  "emissionOf"
>;
/** What `Emissions.emissionOf` returns, typed by the generated ABI. */
export type GetEmissionReturnType = ContractResult<typeof emissionsAbi, "emissionOf">;
/** What `getEmission` throws: `DeploymentError` when the deployment has no Emissions, `OcxContractError`, or viem's read errors. */
export type GetEmissionErrorType = ReadErrorType;

/**
 * E_e: the OCX epoch `epoch` emits (in wei), ⌊E_s·(1−d)^(e−s)⌋ under the schedule in force for it.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getEmission, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await getEmission(client, { deployment, epoch: 0n });
 * result; // 1000000000000000000000000n
 */
export async function getEmission(
  client: ReadClient,
  parameters: GetEmissionParameters,
): Promise<GetEmissionReturnType> {
  return read(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "emissionOf",
    parameters,
  });
}
