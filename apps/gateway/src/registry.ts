// The InferenceRegistry's endpoints as the gateway routes to them: each registered endpoint with the reputation and
// verified status of whoever serves it (the SDK's reputation): for an endpoint on an OCX service lease, the lease's
// provider and its offer (annotateOffers: ProofOfCompute-verified for that hardware, reputation score); for one
// without a lease, the registrant's reputation and not verified.
import {
  annotateOffers,
  type Deployment,
  getLease,
  getOffer,
  getReputations,
  type InferenceEndpoint,
  listInferenceEndpoints,
} from "@ocx/sdk";
import { getAddress, type PublicClient } from "viem";
import type { EndpointInfo } from "./endpoints.js";

/** Trust read for one endpoint: reputation in [0, 1] and verified. */
interface Trust {
  reputation: number;
  verified: boolean;
}

/** The trust of an endpoint on lease `leaseId`: its offer, annotated by the SDK. */
async function leaseTrust(client: PublicClient, deployment: Deployment, leaseId: bigint): Promise<Trust | undefined> {
  const lease = await getLease(client, { deployment, leaseId });
  const offer = await getOffer(client, { deployment, offerId: BigInt(lease.offerId) });
  const [annotated] = await annotateOffers(client, {
    deployment,
    offers: [{ ...offer, offerId: BigInt(lease.offerId) }],
  });
  return annotated ? { reputation: annotated.reputation ?? 0.5, verified: annotated.verified ?? false } : undefined;
}

/**
 * Turns registry records into the gateway's endpoints, with trust as described above (0.5 and unverified when it
 * cannot be read).
 * @example
 * const endpoints = await toEndpoints(publicClient, deployment, await listInferenceEndpoints(publicClient, { deployment }));
 */
export async function toEndpoints(
  client: PublicClient,
  deployment: Deployment,
  records: readonly InferenceEndpoint[],
): Promise<EndpointInfo[]> {
  if (records.length === 0) return [];
  const registrants = [...new Set(records.map((r) => getAddress(r.registrant)))];
  const [{ reputations }, leases] = await Promise.all([
    getReputations(client, { deployment, providers: registrants }),
    Promise.all(
      records.map((r) =>
        r.leaseId === 0n ? undefined : leaseTrust(client, deployment, r.leaseId).catch(() => undefined),
      ),
    ),
  ]);
  return records.map((r, i) => {
    const registrant = getAddress(r.registrant);
    const trust: Trust = leases[i] ?? { reputation: reputations.get(registrant)?.score ?? 0.5, verified: false };
    return {
      key: `registry:${r.endpointId}`,
      url: r.url,
      model: r.model,
      pricing: r.pricing,
      capacity: r.capacity,
      payee: registrant,
      verified: trust.verified,
      reputation: trust.reputation,
      region: r.region,
    };
  });
}

/**
 * Reads the InferenceRegistry's endpoints (the SDK's listInferenceEndpoints) with their trust.
 * @example
 * const endpoints = await readRegistryEndpoints(publicClient, deployment);
 */
export async function readRegistryEndpoints(client: PublicClient, deployment: Deployment): Promise<EndpointInfo[]> {
  return toEndpoints(client, deployment, await listInferenceEndpoints(client, { deployment }));
}
