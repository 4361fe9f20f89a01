// Reads ProofOfCompute's parameters.
import type { Deployment } from "../../deployment.js";
import { proofOfComputeAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";
import { proofOfComputeAddress } from "./address.js";

/**
 * Parameters of `getProofParameters`: the deployment, and the arguments of `ProofOfCompute.parameters` by their ABI names.
 */
export type GetProofParametersParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "parameters"
>;
/** What `ProofOfCompute.parameters` returns, typed by the generated ABI. */
export type GetProofParametersReturnType = ContractResult<typeof proofOfComputeAbi, "parameters">;
/** What `getProofParameters` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError`, or viem's read errors. */
export type GetProofParametersErrorType = ReadErrorType;

/**
 * Reads ProofOfCompute's parameters: challenge bond, fault slash, reward share, response window, attestation lifetime, opened rows k and repetitions t.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getProofParameters, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const parameters = await getProofParameters(client, { deployment });
 * parameters.responseWindow; // seconds
 */
export async function getProofParameters(
  client: ReadClient,
  parameters: GetProofParametersParameters,
): Promise<GetProofParametersReturnType> {
  return read(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "parameters",
    parameters,
  });
}
