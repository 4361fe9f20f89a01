// Reads the trace hashes posted in a challenge's dispute.
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
 * Parameters of `getChallengeTrace`: the deployment, and the arguments of `ProofOfCompute.traceOf` by their ABI names.
 */
export type GetChallengeTraceParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "traceOf"
>;
/** What `ProofOfCompute.traceOf` returns, typed by the generated ABI. */
export type GetChallengeTraceReturnType = ContractResult<typeof proofOfComputeAbi, "traceOf">;
/** What `getChallengeTrace` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError`, or viem's read errors. */
export type GetChallengeTraceErrorType = ReadErrorType;

/**
 * Reads the trace hashes (sha256 of v_0..v_{L+1}) the provider posted in the dispute of challenge `id` (empty before `postTrace`).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getChallengeTrace, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const trace = await getChallengeTrace(client, { deployment, id: 1n });
 * trace.length; // L + 2
 */
export async function getChallengeTrace(
  client: ReadClient,
  parameters: GetChallengeTraceParameters,
): Promise<GetChallengeTraceReturnType> {
  return read(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "traceOf",
    parameters,
  });
}
