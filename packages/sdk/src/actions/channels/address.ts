// The PaymentChannels address of a deployment, or a clear error for a deployment made without channels.
import type { Address } from "viem";
import { DeploymentError } from "../../deployment.js";

/** The part of a deployment the channel actions read. */
export interface ChannelsDeployment {
  /** PaymentChannels: deposits and cumulative vouchers in the payment token. */
  paymentChannels?: Address;
}

/**
 * The deployment's PaymentChannels address; throws `DeploymentError` when the deployment has none.
 * @example
 * import { channelsAddress, loadDeployment } from "@ocx/sdk";
 *
 * channelsAddress(await loadDeployment(31337)); // "0x…"
 */
export function channelsAddress(deployment: ChannelsDeployment): Address {
  if (!deployment.paymentChannels) {
    throw new DeploymentError(
      "this deployment has no payment channels: redeploy with the current SDK (`deployOcx`, or `ocx devnet`), which deploys PaymentChannels",
    );
  }
  return deployment.paymentChannels;
}
