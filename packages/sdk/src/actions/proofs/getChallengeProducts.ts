// Reads the products a provider posted for a challenge.
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
 * Parameters of `getChallengeProducts`: the deployment, and the arguments of `ProofOfCompute.productsOf` by their ABI names.
 */
export type GetChallengeProductsParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "productsOf"
>;
/** What `ProofOfCompute.productsOf` returns, typed by the generated ABI. */
export type GetChallengeProductsReturnType = ContractResult<typeof proofOfComputeAbi, "productsOf">;
/** What `getChallengeProducts` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError`, or viem's read errors. */
export type GetChallengeProductsErrorType = ReadErrorType;

/**
 * Reads the products y_1‖…‖y_t the provider posted for challenge `id` (`0x` before the response).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getChallengeProducts, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const products = await getChallengeProducts(client, { deployment, id: 1n });
 * products.length; // 2 + 2·t·n hex characters
 */
export async function getChallengeProducts(
  client: ReadClient,
  parameters: GetChallengeProductsParameters,
): Promise<GetChallengeProductsReturnType> {
  return read(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "productsOf",
    parameters,
  });
}
