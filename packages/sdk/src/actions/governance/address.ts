// The governor and timelock addresses of a deployment, or a clear error for a deployment made without governance.
import type { Address } from "viem";
import { type Deployment, DeploymentError } from "../../deployment.js";

const missing = (what: string) =>
  new DeploymentError(
    `this deployment has no ${what}: it was deployed without governance; deploy with \`deployOcx(…, { governance: {…} })\``,
  );

/**
 * The deployment's OcxGovernor; throws `DeploymentError` when it has none.
 * @example
 * governorAddress(await loadDeployment(31337)); // "0x…"
 */
export function governorAddress(deployment: Pick<Deployment, "governor">): Address {
  if (!deployment.governor) throw missing("governor");
  return deployment.governor;
}

/**
 * The deployment's OcxTimelock; throws `DeploymentError` when it has none.
 * @example
 * timelockAddress(await loadDeployment(31337)); // "0x…"
 */
export function timelockAddress(deployment: Pick<Deployment, "timelock">): Address {
  if (!deployment.timelock) throw missing("timelock");
  return deployment.timelock;
}
