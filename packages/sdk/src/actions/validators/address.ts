// The ValidatorRegistry address of a deployment, or a clear error for a deployment made before the trust contracts.
import type { Address } from "viem";
import { type Deployment, DeploymentError } from "../../deployment.js";

/**
 * The deployment's ValidatorRegistry address; throws `DeploymentError` when the deployment has none.
 * @example
 * import { loadDeployment, validatorRegistryAddress } from "@ocx/sdk";
 *
 * validatorRegistryAddress(await loadDeployment(31337)); // "0x…"
 */
export function validatorRegistryAddress(deployment: Pick<Deployment, "validatorRegistry">): Address {
  if (!deployment.validatorRegistry) {
    throw new DeploymentError(
      "this deployment has no validatorRegistry address: it was made before the trust contracts; redeploy with the current deployOcx (`npm run devnet`, or `npm run deploy`)",
    );
  }
  return deployment.validatorRegistry;
}
