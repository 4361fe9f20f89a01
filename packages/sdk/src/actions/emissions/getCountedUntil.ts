// Up to which time (unix seconds) a lease’s paid time was counted for emissions; 0 when never..
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

/** Parameters of `getCountedUntil`: the deployment, and the arguments of `Emissions.countedUntil` by their ABI names. */
export type GetCountedUntilParameters = { deployment: Pick<Deployment, "emissions"> } & ContractArgs<
  typeof emissionsAbi,
  "countedUntil"
>;
/** What `Emissions.countedUntil` returns, typed by the generated ABI. */
export type GetCountedUntilReturnType = ContractResult<typeof emissionsAbi, "countedUntil">;
/** What `getCountedUntil` throws: `DeploymentError` when the deployment has no Emissions, `OcxContractError`, or viem's read errors. */
export type GetCountedUntilErrorType = ReadErrorType;

/**
 * Up to which time (unix seconds) a lease’s paid time was counted for emissions; 0 when never.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getCountedUntil, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await getCountedUntil(client, { deployment, leaseId: 1n });
 * result; // 0n before the first recordWork
 */
export async function getCountedUntil(
  client: ReadClient,
  parameters: GetCountedUntilParameters,
): Promise<GetCountedUntilReturnType> {
  return read(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "countedUntil",
    parameters,
  });
}
