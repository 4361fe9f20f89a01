// Reads one proof-of-compute challenge.
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
 * Parameters of `getChallenge`: the deployment, and the arguments of `ProofOfCompute.getChallenge` by their ABI names.
 */
export type GetChallengeParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "getChallenge"
>;
/** What `ProofOfCompute.getChallenge` returns, typed by the generated ABI. */
export type GetChallengeReturnType = ContractResult<typeof proofOfComputeAbi, "getChallenge">;
/** What `getChallenge` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError`, or viem's read errors. */
export type GetChallengeErrorType = ReadErrorType;

/**
 * Reads challenge `id` (phase `ChallengePhase.None` for an unknown id; compare with the generated `ChallengePhase`).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { challengePhaseName, getChallenge, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const challenge = await getChallenge(client, { deployment, id: 1n });
 * challengePhaseName(challenge.phase); // "Responded"
 */
export async function getChallenge(
  client: ReadClient,
  parameters: GetChallengeParameters,
): Promise<GetChallengeReturnType> {
  return read(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "getChallenge",
    parameters,
  });
}
