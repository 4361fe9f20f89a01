// Reads the ValidatorRegistry's parameters.
import type { Deployment } from "../../deployment.js";
import { validatorRegistryAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";
import { validatorRegistryAddress } from "./address.js";

/**
 * Parameters of `getValidatorParameters`: the deployment, and the arguments of `ValidatorRegistry.parameters` by their ABI names.
 */
export type GetValidatorParametersParameters = { deployment: Pick<Deployment, "validatorRegistry"> } & ContractArgs<
  typeof validatorRegistryAbi,
  "parameters"
>;
/** What `ValidatorRegistry.parameters` returns, typed by the generated ABI. */
export type GetValidatorParametersReturnType = ContractResult<typeof validatorRegistryAbi, "parameters">;
/** What `getValidatorParameters` throws: `DeploymentError` when the deployment has no ValidatorRegistry, `OcxContractError`, or viem's read errors. */
export type GetValidatorParametersErrorType = ReadErrorType;

/**
 * Reads the ValidatorRegistry's parameters: `minStake` and `unbondingDelay`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getValidatorParameters, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const parameters = await getValidatorParameters(client, { deployment });
 * parameters.minStake;
 */
export async function getValidatorParameters(
  client: ReadClient,
  parameters: GetValidatorParametersParameters,
): Promise<GetValidatorParametersReturnType> {
  return read(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "parameters",
    parameters,
  });
}
