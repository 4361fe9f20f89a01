// Reads a validator's record.
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
 * Parameters of `getValidator`: the deployment, and the arguments of `ValidatorRegistry.getValidator` by their ABI names.
 */
export type GetValidatorParameters = { deployment: Pick<Deployment, "validatorRegistry"> } & ContractArgs<
  typeof validatorRegistryAbi,
  "getValidator"
>;
/** What `ValidatorRegistry.getValidator` returns, typed by the generated ABI. */
export type GetValidatorReturnType = ContractResult<typeof validatorRegistryAbi, "getValidator">;
/** What `getValidator` throws: `DeploymentError` when the deployment has no ValidatorRegistry, `OcxContractError`, or viem's read errors. */
export type GetValidatorErrorType = ReadErrorType;

/**
 * Reads `validator`'s record: stake (locked bonds included), locked, unbonding, readyAt, admitted.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getValidator, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const record = await getValidator(client, { deployment, validator: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" });
 * record.stake - record.locked; // free stake
 */
export async function getValidator(
  client: ReadClient,
  parameters: GetValidatorParameters,
): Promise<GetValidatorReturnType> {
  return read(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "getValidator",
    parameters,
  });
}
