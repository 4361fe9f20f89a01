// Reads the current attestation of one GPU of a provider.
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
 * Parameters of `getAttestation`: the deployment, and the arguments of `ProofOfCompute.attestationOf` by their ABI names.
 */
export type GetAttestationParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "attestationOf"
>;
/** What `ProofOfCompute.attestationOf` returns, typed by the generated ABI. */
export type GetAttestationReturnType = ContractResult<typeof proofOfComputeAbi, "attestationOf">;
/** What `getAttestation` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError`, or viem's read errors. */
export type GetAttestationErrorType = ReadErrorType;

/**
 * Reads the current attestation of GPU `gpuIndex` of `provider` for `model` (all zero when none, or when a fault cleared it); `expiresAt` is unix seconds.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getAttestation, loadDeployment, toLabel } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const attestation = await getAttestation(client, { deployment, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", model: toLabel("cpu"), gpuIndex: 0 });
 * attestation.score; // 10_000 = as fast as the model table expects
 */
export async function getAttestation(
  client: ReadClient,
  parameters: GetAttestationParameters,
): Promise<GetAttestationReturnType> {
  return read(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "attestationOf",
    parameters,
  });
}
