// The registered inference endpoints, from the registry's events (the chain path; an indexer serves the same list
// faster): each registration, replaced by its updates, dropped at its deregistration.
import type { Address } from "viem";
import { getContractEvents } from "viem/actions";
import type { Deployment } from "../../deployment.js";
import { inferenceRegistryAbi } from "../../generated/abis.js";
import type { ReadClient } from "../internal/contract.js";
import { inferenceRegistryAddress } from "./address.js";

/** An endpoint as its latest event describes it. Prices are in the payment token's smallest units. */
export interface InferenceEndpoint {
  endpointId: bigint;
  /** Runs the server and receives its x402 payments. */
  registrant: Address;
  model: string;
  /** Base URL of its OpenAI-compatible API. */
  url: string;
  pricing: { perRequest: bigint; per1kInputTokens: bigint; per1kOutputTokens: bigint };
  capacity: number;
  region: string;
  /** The service lease it runs on; 0n if none. */
  leaseId: bigint;
  /** Block of its latest registration or update. */
  updatedAtBlock: bigint;
}

/** Parameters of `listInferenceEndpoints`. */
export interface ListInferenceEndpointsParameters {
  deployment: Pick<Deployment, "inferenceRegistry" | "startBlock">;
  /** Only endpoints serving this model. */
  model?: string;
  /** Only endpoints of this registrant. */
  registrant?: Address;
}

/**
 * Every endpoint registered and not deregistered, by id.
 * @example
 * for (const e of await listInferenceEndpoints(publicClient, { deployment, model: "ocx-tinylm-docs" }))
 *   console.log(e.endpointId, e.url, e.pricing.per1kOutputTokens);
 */
export async function listInferenceEndpoints(
  client: ReadClient,
  parameters: ListInferenceEndpointsParameters,
): Promise<InferenceEndpoint[]> {
  const logs = await getContractEvents(client, {
    address: inferenceRegistryAddress(parameters.deployment),
    abi: inferenceRegistryAbi,
    fromBlock: BigInt(parameters.deployment.startBlock),
    toBlock: "latest",
    strict: true,
  });
  const endpoints = new Map<bigint, InferenceEndpoint>();
  // Logs come in chain order: the last event of an id decides.
  for (const log of logs) {
    if (log.eventName === "EndpointDeregistered") {
      endpoints.delete(log.args.endpointId);
      continue;
    }
    if (log.eventName !== "EndpointRegistered" && log.eventName !== "EndpointUpdated") continue;
    const a = log.args;
    endpoints.set(a.endpointId, {
      endpointId: a.endpointId,
      registrant: a.registrant,
      model: a.model,
      url: a.url,
      pricing: { ...a.pricing },
      capacity: a.capacity,
      region: a.region,
      leaseId: a.leaseId,
      updatedAtBlock: log.blockNumber,
    });
  }
  return [...endpoints.values()]
    .filter((e) => parameters.model === undefined || e.model === parameters.model)
    .filter(
      (e) => parameters.registrant === undefined || e.registrant.toLowerCase() === parameters.registrant.toLowerCase(),
    )
    .sort((a, b) => (a.endpointId < b.endpointId ? -1 : 1));
}
