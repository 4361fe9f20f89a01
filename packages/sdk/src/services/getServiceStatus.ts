// A service lease as its provider reports it, in the provider's signed answer: the lease's phase, each
// service's state, and the public URLs of its ports.
import type { ProviderClient, ProviderLeaseStatus } from "../provider/client.js";
import type { ServiceStatusEntry, ServiceUrl } from "./types.js";

/** Parameters of `getServiceStatus`. */
export interface GetServiceStatusParameters {
  leaseId: bigint;
}

/** What `getServiceStatus` returns. */
export interface GetServiceStatusReturnType {
  leaseId: bigint;
  /** The lease's phase on the provider (running while its services are up). */
  phase: ProviderLeaseStatus["phase"];
  message: string;
  /** Each service's state, restarts and last exit ([] before the services start). */
  services: ServiceStatusEntry[];
  /** How to reach each public port. */
  urls: ServiceUrl[];
  /** Escrow left and the seconds it pays for, when the provider could read the chain. */
  escrowLeft?: bigint;
  fundedSeconds?: number;
  /** True when every service is healthy. */
  healthy: boolean;
  /** The provider's whole answer. */
  status: ProviderLeaseStatus & { services?: ServiceStatusEntry[]; urls?: ServiceUrl[] };
}

/**
 * Reads a service lease from its provider (a request signed by the buyer; the answer checked against the
 * provider's registered apiSigner).
 * @example
 * const provider = connectProvider({ publicClient, deployment, account, lease });
 * const { services, urls } = await getServiceStatus(provider, { leaseId: 12n });
 * console.log(services.map((s) => `${s.name}: ${s.state}`), urls.map((u) => u.url));
 */
export async function getServiceStatus(
  provider: Pick<ProviderClient, "status">,
  parameters: GetServiceStatusParameters,
): Promise<GetServiceStatusReturnType> {
  const status = (await provider.status(parameters.leaseId)) as GetServiceStatusReturnType["status"];
  const services = status.services ?? [];
  return {
    leaseId: parameters.leaseId,
    phase: status.phase,
    message: status.message,
    services,
    urls: status.urls ?? [],
    ...(status.escrowLeft !== undefined ? { escrowLeft: BigInt(status.escrowLeft) } : {}),
    ...(status.fundedSeconds !== undefined ? { fundedSeconds: status.fundedSeconds } : {}),
    healthy: services.length > 0 && services.every((s) => s.state === "healthy"),
    status,
  };
}
