// The OcxCredits and OCX/USD feed addresses of a deployment, or a clear error for a deployment made without credits.
import type { Address } from "viem";
import { type Deployment, DeploymentError } from "../../deployment.js";

/**
 * The deployment's OcxCredits address; throws `DeploymentError` when the deployment has none.
 * @example
 * import { creditsAddress, loadDeployment } from "@ocx/sdk";
 *
 * creditsAddress(await loadDeployment(31337)); // "0x…"
 */
export function creditsAddress(deployment: Pick<Deployment, "credits">): Address {
  if (!deployment.credits) {
    throw new DeploymentError(
      "this deployment has no compute credits (made with `credits: false`, or before credits existed): redeploy with `deployOcx` (credits are on by default) or `ocx devnet`",
    );
  }
  return deployment.credits;
}

/**
 * The deployment's OCX/USD price feed address; throws `DeploymentError` when the deployment has none.
 * @example
 * import { loadDeployment, priceFeedAddress } from "@ocx/sdk";
 *
 * priceFeedAddress(await loadDeployment(31337)); // "0x…"
 */
export function priceFeedAddress(deployment: Pick<Deployment, "priceFeed">): Address {
  if (!deployment.priceFeed) {
    throw new DeploymentError(
      "this deployment has no OCX/USD price feed (made with `credits: false`, or before credits existed): redeploy with `deployOcx` (credits are on by default) or `ocx devnet`",
    );
  }
  return deployment.priceFeed;
}
