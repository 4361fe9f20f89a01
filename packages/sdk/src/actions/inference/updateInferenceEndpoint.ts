// Replaces an inference endpoint's record; only its registrant may.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { inferenceRegistryAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { inferenceRegistryAddress } from "./address.js";

/** Parameters of `updateInferenceEndpoint` and `updateInferenceEndpointSync`: the deployment, and the arguments of `InferenceRegistry.update` by their ABI names. */
export type UpdateInferenceEndpointParameters = { deployment: Pick<Deployment, "inferenceRegistry"> } & ContractArgs<
  typeof inferenceRegistryAbi,
  "update"
>;
/** The hash of the sent transaction. */
export type UpdateInferenceEndpointReturnType = Hash;
/** What `updateInferenceEndpoint` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type UpdateInferenceEndpointErrorType = WriteErrorType;

/**
 * Replaces an inference endpoint's record; only its registrant may. Calls `InferenceRegistry.update`; simulates first, so a revert
 * (`InferenceNotRegistrant`, `InferenceFieldLength`, …) throws `OcxContractError` and nothing is sent.
 * Returns the transaction hash without waiting; `updateInferenceEndpointSync` waits.
 * @example
 * await updateInferenceEndpoint(walletClient, { deployment, endpointId: 1n, model: "ocx-tinylm-docs", url, pricing, capacity: 8, region: "eu-west", leaseId: 7n });
 */
export async function updateInferenceEndpoint(
  client: WriteClient,
  parameters: UpdateInferenceEndpointParameters,
): Promise<UpdateInferenceEndpointReturnType> {
  return write(client, {
    address: inferenceRegistryAddress(parameters.deployment),
    abi: inferenceRegistryAbi,
    functionName: "update",
    parameters,
  });
}

/** Parameters of `updateInferenceEndpointSync`: those of `updateInferenceEndpoint`. */
export type UpdateInferenceEndpointSyncParameters = UpdateInferenceEndpointParameters;
/** The receipt and the `EndpointUpdated` event's arguments. */
export type UpdateInferenceEndpointSyncReturnType = WriteSyncResult<typeof inferenceRegistryAbi, "EndpointUpdated">;
/** What `updateInferenceEndpointSync` throws: what `updateInferenceEndpoint` throws, or `OcxTransactionRevertedError` / `OcxEventNotFoundError`. */
export type UpdateInferenceEndpointSyncErrorType = WriteSyncErrorType;

/**
 * `updateInferenceEndpoint`, then waits for the receipt and returns it with the `EndpointUpdated` event's arguments.
 * @example
 * const { event } = await updateInferenceEndpointSync(walletClient, { deployment, endpointId: 1n, model, url, pricing, capacity: 8, region, leaseId: 0n });
 */
export async function updateInferenceEndpointSync(
  client: WriteClient,
  parameters: UpdateInferenceEndpointSyncParameters,
): Promise<UpdateInferenceEndpointSyncReturnType> {
  return writeSync(client, {
    address: inferenceRegistryAddress(parameters.deployment),
    abi: inferenceRegistryAbi,
    functionName: "update",
    parameters,
    events: ["EndpointUpdated"],
  });
}
