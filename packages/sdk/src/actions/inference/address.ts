// The InferenceRegistry address of a deployment, or a clear error for a deployment made without it.
import type { Address } from "viem";
import { type Deployment, DeploymentError } from "../../deployment.js";

/**
 * The deployment's InferenceRegistry address; throws `DeploymentError` when the deployment has none.
 * @example
 * import { inferenceRegistryAddress, loadDeployment } from "@ocx/sdk";
 *
 * inferenceRegistryAddress(await loadDeployment(31337)); // "0x…"
 */
export function inferenceRegistryAddress(deployment: Pick<Deployment, "inferenceRegistry">): Address {
  if (!deployment.inferenceRegistry) {
    throw new DeploymentError(
      "this deployment has no inference registry (made before InferenceRegistry existed): redeploy with the current SDK (`deployOcx`, or `ocx devnet`)",
    );
  }
  return deployment.inferenceRegistry;
}
