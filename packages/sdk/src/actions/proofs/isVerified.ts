// Whether a provider's GPUs of one model hold current attestations.
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
 * Parameters of `isVerified`: the deployment, and the arguments of `ProofOfCompute.isVerified` by their ABI names.
 */
export type IsVerifiedParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "isVerified"
>;
/** What `ProofOfCompute.isVerified` returns, typed by the generated ABI. */
export type IsVerifiedReturnType = ContractResult<typeof proofOfComputeAbi, "isVerified">;
/** What `isVerified` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError`, or viem's read errors. */
export type IsVerifiedErrorType = ReadErrorType;

/**
 * True when every GPU index 0..max(1, gpuCount)−1 of `provider` holds an unexpired attestation for `model`: what makes an offer *verified*.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { isVerified, loadDeployment, toLabel } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const verified = await isVerified(client, { deployment, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", model: toLabel("cpu"), gpuCount: 0 });
 * verified; // true
 */
export async function isVerified(client: ReadClient, parameters: IsVerifiedParameters): Promise<IsVerifiedReturnType> {
  return read(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "isVerified",
    parameters,
  });
}
