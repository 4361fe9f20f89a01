// OcxCredits' parameters: spread, price age and move bounds, the redemption breaker.
import type { Deployment } from "../../deployment.js";
import { ocxCreditsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";
import { creditsAddress } from "./address.js";

/** Parameters of `getCreditsParameters`: the deployment, and the arguments of `OcxCredits.parameters` by their ABI names. */
export type GetCreditsParametersParameters = { deployment: Pick<Deployment, "credits"> } & ContractArgs<
  typeof ocxCreditsAbi,
  "parameters"
>;
/** What `OcxCredits.parameters` returns, typed by the generated ABI. */
export type GetCreditsParametersReturnType = ContractResult<typeof ocxCreditsAbi, "parameters">;
/** What `getCreditsParameters` throws: `DeploymentError` when the deployment has no credits, `OcxContractError`, or viem's read errors. */
export type GetCreditsParametersErrorType = ReadErrorType;

/**
 * OcxCredits' parameters: spread, price age and move bounds, the redemption breaker.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getCreditsParameters, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await getCreditsParameters(client, { deployment });
 * result; // { spreadBps: 100, maxPriceAge: 3600, … }
 */
export async function getCreditsParameters(
  client: ReadClient,
  parameters: GetCreditsParametersParameters,
): Promise<GetCreditsParametersReturnType> {
  return read(client, {
    address: creditsAddress(parameters.deployment),
    abi: ocxCreditsAbi,
    functionName: "parameters",
    parameters,
  });
}
