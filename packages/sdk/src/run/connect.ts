// The provider client of a lease: requests signed by the buyer, answers checked against the provider's apiSigner.
import type { LocalAccount } from "viem";
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";
import { createProviderClient, type ProviderClient } from "../provider/client.js";

/** Parameters of `connectProvider`. */
export interface ConnectProviderParameters {
  /** Reads the provider's registered apiSigner. */
  publicClient: ReadClient;
  deployment: Pick<Deployment, "chainId" | "marketplace" | "registry">;
  /** The buyer's key. */
  account: LocalAccount;
  /** The lease's provider and its API URL; with `apiSigner` (as `takeLease` returns it) the registry is not read. */
  lease: { provider: `0x${string}`; endpoint: string; apiSigner?: `0x${string}` };
}

/**
 * A client for the lease's provider that signs every request with the buyer's key and checks every answer against
 * the apiSigner the provider registered on-chain.
 * @example
 * const provider = connectProvider({ publicClient, deployment, account, lease });
 * const status = await provider.status(lease.leaseId);
 */
export function connectProvider(parameters: ConnectProviderParameters): ProviderClient {
  const { deployment, lease } = parameters;
  return createProviderClient({
    url: lease.endpoint,
    account: parameters.account,
    chainId: deployment.chainId,
    marketplace: deployment.marketplace,
    apiSigner: lease.apiSigner ?? { client: parameters.publicClient, deployment, provider: lease.provider },
  });
}
