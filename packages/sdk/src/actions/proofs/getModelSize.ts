// Reads the challenge size of one model from the on-chain table.
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
 * Parameters of `getModelSize`: the deployment, and the arguments of `ProofOfCompute.modelSize` by their ABI names.
 */
export type GetModelSizeParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "modelSize"
>;
/** What `ProofOfCompute.modelSize` returns, typed by the generated ABI. */
export type GetModelSizeReturnType = ContractResult<typeof proofOfComputeAbi, "modelSize">;
/** What `getModelSize` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError`, or viem's read errors. */
export type GetModelSizeErrorType = ReadErrorType;

/**
 * Reads the challenge size (n, steps, deadlineSeconds) of `model` from ProofOfCompute's table (all zero when the model is not in it).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getModelSize, loadDeployment, toLabel } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const size = await getModelSize(client, { deployment, model: toLabel("nvidia-h100-80gb") });
 * size.n; // 150_976
 */
export async function getModelSize(
  client: ReadClient,
  parameters: GetModelSizeParameters,
): Promise<GetModelSizeReturnType> {
  return read(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "modelSize",
    parameters,
  });
}
