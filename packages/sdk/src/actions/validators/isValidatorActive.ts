// Whether a validator may challenge.
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
 * Parameters of `isValidatorActive`: the deployment, and the arguments of `ValidatorRegistry.isActive` by their ABI names.
 */
export type IsValidatorActiveParameters = { deployment: Pick<Deployment, "validatorRegistry"> } & ContractArgs<
  typeof validatorRegistryAbi,
  "isActive"
>;
/** What `ValidatorRegistry.isActive` returns, typed by the generated ABI. */
export type IsValidatorActiveReturnType = ContractResult<typeof validatorRegistryAbi, "isActive">;
/** What `isValidatorActive` throws: `DeploymentError` when the deployment has no ValidatorRegistry, `OcxContractError`, or viem's read errors. */
export type IsValidatorActiveErrorType = ReadErrorType;

/**
 * True when `validator` is admitted and its free stake is at least `minStake`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { isValidatorActive, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const active = await isValidatorActive(client, { deployment, validator: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" });
 * active; // true
 */
export async function isValidatorActive(
  client: ReadClient,
  parameters: IsValidatorActiveParameters,
): Promise<IsValidatorActiveReturnType> {
  return read(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "isActive",
    parameters,
  });
}
