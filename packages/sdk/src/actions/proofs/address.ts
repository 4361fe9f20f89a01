// The ProofOfCompute address of a deployment, or a clear error for a deployment made before the trust contracts.
import type { Address } from "viem";
import { type Deployment, DeploymentError } from "../../deployment.js";

/**
 * The deployment's ProofOfCompute address; throws `DeploymentError` when the deployment has none.
 * @example
 * import { loadDeployment, proofOfComputeAddress } from "@ocx/sdk";
 *
 * proofOfComputeAddress(await loadDeployment(31337)); // "0x…"
 */
export function proofOfComputeAddress(deployment: Pick<Deployment, "proofOfCompute">): Address {
  if (!deployment.proofOfCompute) {
    throw new DeploymentError(
      "this deployment has no proofOfCompute address: it was made before the trust contracts; redeploy with the current deployOcx (`npm run devnet`, or `npm run deploy`)",
    );
  }
  return deployment.proofOfCompute;
}
