// Which ERC-20 a contract of the deployment pulls: the Marketplace takes the payment token (credits), everything
// else (the registries' stake, OcxCredits' mint) takes OCX.
import { type Address, isAddressEqual } from "viem";
import type { Deployment } from "../../deployment.js";

/** What `tokenPulledBy` reads of a deployment. */
export type TokenDeployment = Pick<Deployment, "token"> & Partial<Pick<Deployment, "paymentToken" | "marketplace">>;

/**
 * The token `spender` pulls from an account: `deployment.paymentToken` when `spender` is the Marketplace (credits
 * on a deployment with credits), else OCX (`deployment.token`: the registries' stake, validators' bonds, OcxCredits'
 * mint). The token actions (`approve`, `getAllowance`, `ensureAllowance`) use it unless given `token`.
 * @example
 * import { loadDeployment, tokenPulledBy } from "@ocx/sdk";
 *
 * const deployment = await loadDeployment(31337);
 * tokenPulledBy(deployment, deployment.marketplace); // deployment.paymentToken
 * tokenPulledBy(deployment, deployment.registry); // deployment.token
 */
export function tokenPulledBy(deployment: TokenDeployment, spender: Address): Address {
  return deployment.marketplace && deployment.paymentToken && isAddressEqual(spender, deployment.marketplace)
    ? deployment.paymentToken
    : deployment.token;
}
