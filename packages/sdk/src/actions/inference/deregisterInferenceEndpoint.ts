// Removes an inference endpoint; only its registrant may.
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

/** Parameters of `deregisterInferenceEndpoint` and `deregisterInferenceEndpointSync`: the deployment, and the arguments of `InferenceRegistry.deregister` by their ABI names. */
export type DeregisterInferenceEndpointParameters = {
  deployment: Pick<Deployment, "inferenceRegistry">;
} & ContractArgs<typeof inferenceRegistryAbi, "deregister">;
/** The hash of the sent transaction. */
export type DeregisterInferenceEndpointReturnType = Hash;
/** What `deregisterInferenceEndpoint` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type DeregisterInferenceEndpointErrorType = WriteErrorType;

/**
 * Removes an inference endpoint; only its registrant may. Calls `InferenceRegistry.deregister`; simulates first, so a revert
 * (`InferenceNotRegistrant`, `InferenceFieldLength`, …) throws `OcxContractError` and nothing is sent.
 * Returns the transaction hash without waiting; `deregisterInferenceEndpointSync` waits.
 * @example
 * await deregisterInferenceEndpoint(walletClient, { deployment, endpointId: 1n });
 */
export async function deregisterInferenceEndpoint(
  client: WriteClient,
  parameters: DeregisterInferenceEndpointParameters,
): Promise<DeregisterInferenceEndpointReturnType> {
  return write(client, {
    address: inferenceRegistryAddress(parameters.deployment),
    abi: inferenceRegistryAbi,
    functionName: "deregister",
    parameters,
  });
}

/** Parameters of `deregisterInferenceEndpointSync`: those of `deregisterInferenceEndpoint`. */
export type DeregisterInferenceEndpointSyncParameters = DeregisterInferenceEndpointParameters;
/** The receipt and the `EndpointDeregistered` event's arguments. */
export type DeregisterInferenceEndpointSyncReturnType = WriteSyncResult<
  typeof inferenceRegistryAbi,
  "EndpointDeregistered"
>;
/** What `deregisterInferenceEndpointSync` throws: what `deregisterInferenceEndpoint` throws, or `OcxTransactionRevertedError` / `OcxEventNotFoundError`. */
export type DeregisterInferenceEndpointSyncErrorType = WriteSyncErrorType;

/**
 * `deregisterInferenceEndpoint`, then waits for the receipt and returns it with the `EndpointDeregistered` event's arguments.
 * @example
 * const { event } = await deregisterInferenceEndpointSync(walletClient, { deployment, endpointId: 1n });
 * event.registrant; // the caller
 */
export async function deregisterInferenceEndpointSync(
  client: WriteClient,
  parameters: DeregisterInferenceEndpointSyncParameters,
): Promise<DeregisterInferenceEndpointSyncReturnType> {
  return writeSync(client, {
    address: inferenceRegistryAddress(parameters.deployment),
    abi: inferenceRegistryAbi,
    functionName: "deregister",
    parameters,
    events: ["EndpointDeregistered"],
  });
}
