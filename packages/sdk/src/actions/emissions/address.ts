// The Emissions address of a deployment, or a clear error for a deployment made before emissions.
import type { Address } from "viem";
import { type Deployment, DeploymentError } from "../../deployment.js";

/**
 * The deployment's Emissions address; throws `DeploymentError` when the deployment has none.
 * @example
 * import { emissionsAddress, loadDeployment } from "@ocx/sdk";
 *
 * emissionsAddress(await loadDeployment(31337)); // "0x…"
 */
export function emissionsAddress(deployment: Pick<Deployment, "emissions">): Address {
  if (!deployment.emissions) {
    throw new DeploymentError(
      "this deployment has no emissions address: it was made before Emissions; redeploy with the current deployOcx (`npm run devnet`, or `npm run deploy`)",
    );
  }
  return deployment.emissions;
}
