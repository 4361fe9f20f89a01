// One inference endpoint's record as the registry holds it now.
import type { Deployment } from "../../deployment.js";
import { inferenceRegistryAbi } from "../../generated/abis.js";
import { type ContractResult, type ReadClient, type ReadErrorType, read } from "../internal/contract.js";
import { inferenceRegistryAddress } from "./address.js";

/** Parameters of `getInferenceEndpoint`. */
export interface GetInferenceEndpointParameters {
  deployment: Pick<Deployment, "inferenceRegistry">;
  endpointId: bigint;
}
/** The endpoint's record: registrant, capacity, active, leaseId, model, url, region, pricing. */
export type GetInferenceEndpointReturnType = ContractResult<typeof inferenceRegistryAbi, "getEndpoint">;
/** What `getInferenceEndpoint` throws: `OcxContractError` (`InferenceUnknownEndpoint` for an id never registered). */
export type GetInferenceEndpointErrorType = ReadErrorType;

/**
 * Reads endpoint `endpointId` (a deregistered one too, with `active: false`).
 * @example
 * const endpoint = await getInferenceEndpoint(publicClient, { deployment, endpointId: 1n });
 * endpoint.url; // "http://127.0.0.1:8080/l/7/8080/"
 */
export async function getInferenceEndpoint(
  client: ReadClient,
  parameters: GetInferenceEndpointParameters,
): Promise<GetInferenceEndpointReturnType> {
  return read(client, {
    address: inferenceRegistryAddress(parameters.deployment),
    abi: inferenceRegistryAbi,
    functionName: "getEndpoint",
    parameters,
  });
}
