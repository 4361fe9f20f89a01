// The InferenceRegistry's endpoints as the gateway routes to them: each active endpoint with its registrant's
// reputation (the SDK's getReputations) and verified status.
import { type Deployment, getReputations } from "@ocx/sdk";
import { type Address, getAddress, type PublicClient } from "viem";
import type { EndpointInfo } from "./endpoints.js";

/** One registry record, as the SDK's InferenceRegistry reader returns it. */
export interface RegistryRecord {
  endpointId: bigint;
  registrant: Address;
  model: string;
  url: string;
  pricing: { perRequest: bigint; per1kInputTokens: bigint; per1kOutputTokens: bigint };
  capacity: number;
  region: string;
  leaseId: bigint;
  active: boolean;
}

/**
 * Turns registry records into the gateway's endpoints: active ones only, each with its registrant's reputation
 * (0.5 when it has no record) and `verified` from `isVerified(registrant)` when given.
 * @example
 * const endpoints = await toEndpoints(publicClient, deployment, records);
 */
export async function toEndpoints(
  client: PublicClient,
  deployment: Deployment,
  records: readonly RegistryRecord[],
  isVerified: (registrant: Address) => Promise<boolean> = async () => false,
): Promise<EndpointInfo[]> {
  const active = records.filter((r) => r.active);
  if (active.length === 0) return [];
  const registrants = [...new Set(active.map((r) => getAddress(r.registrant)))];
  const [{ reputations }, verified] = await Promise.all([
    getReputations(client, { deployment, providers: registrants }),
    Promise.all(registrants.map(async (r) => [r, await isVerified(r).catch(() => false)] as const)),
  ]);
  const verifiedBy = new Map(verified);
  return active.map((r) => {
    const registrant = getAddress(r.registrant);
    return {
      key: `registry:${r.endpointId}`,
      url: r.url,
      model: r.model,
      pricing: r.pricing,
      capacity: r.capacity,
      payee: registrant,
      verified: verifiedBy.get(registrant) ?? false,
      reputation: reputations.get(registrant)?.score ?? 0.5,
      region: r.region,
    };
  });
}

/**
 * Reads the InferenceRegistry's endpoints with reputation. Needs the SDK's InferenceRegistry reader
 * (`listInferenceEndpoints`); until the deployment has an `inferenceRegistry`, it says so.
 */
export async function readRegistryEndpoints(client: PublicClient, deployment: Deployment): Promise<EndpointInfo[]> {
  const registry = (deployment as { inferenceRegistry?: Address }).inferenceRegistry;
  if (!registry) {
    throw new Error(
      "this deployment has no InferenceRegistry: redeploy with the current SDK, or set discovery.registry: false and list endpoints in discovery.endpoints",
    );
  }
  const sdk = (await import("@ocx/sdk")) as unknown as {
    listInferenceEndpoints?: (c: PublicClient, p: { deployment: Deployment }) => Promise<RegistryRecord[]>;
  };
  if (!sdk.listInferenceEndpoints) throw new Error("this SDK has no listInferenceEndpoints (InferenceRegistry reader)");
  return toEndpoints(client, deployment, await sdk.listInferenceEndpoints(client, { deployment }));
}
