// What `Emissions.claim(provider, epoch)` would mint now.
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

/** Parameters of `getClaimable`: the deployment, and the arguments of `Emissions.claimable` by their ABI names. */
export type GetClaimableParameters = { deployment: Pick<Deployment, "emissions"> } & ContractArgs<
  typeof emissionsAbi,
  "claimable"
>;
/** What `Emissions.claimable` returns, typed by the generated ABI. */
export type GetClaimableReturnType = ContractResult<typeof emissionsAbi, "claimable">;
/** What `getClaimable` throws: `DeploymentError` when the deployment has no Emissions, `OcxContractError`, or viem's read errors. */
export type GetClaimableErrorType = ReadErrorType;

/**
 * What `Emissions.claim(provider, epoch)` would mint now: 0 while the epoch runs, once claimed, when the provider was slashed, or without work.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getClaimable, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await getClaimable(client, { deployment, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", epoch: 0n });
 * result; // 0n or the reward in wei
 */
export async function getClaimable(
  client: ReadClient,
  parameters: GetClaimableParameters,
): Promise<GetClaimableReturnType> {
  return read(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "claimable",
    parameters,
  });
}
