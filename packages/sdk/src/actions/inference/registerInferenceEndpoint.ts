// Registers an inference endpoint with the caller as its registrant, the payee of its x402 payments.
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

/** Parameters of `registerInferenceEndpoint` and `registerInferenceEndpointSync`: the deployment, and the arguments of `InferenceRegistry.register` by their ABI names. */
export type RegisterInferenceEndpointParameters = { deployment: Pick<Deployment, "inferenceRegistry"> } & ContractArgs<
  typeof inferenceRegistryAbi,
  "register"
>;
/** The hash of the sent transaction. */
export type RegisterInferenceEndpointReturnType = Hash;
/** What `registerInferenceEndpoint` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type RegisterInferenceEndpointErrorType = WriteErrorType;

/**
 * Registers an inference endpoint with the caller as its registrant, the payee of its x402 payments. Calls `InferenceRegistry.register`; simulates first, so a revert
 * (`InferenceNotRegistrant`, `InferenceFieldLength`, …) throws `OcxContractError` and nothing is sent.
 * Returns the transaction hash without waiting; `registerInferenceEndpointSync` waits.
 * @example
 * const pricing = { perRequest: 0n, per1kInputTokens: 10n ** 15n, per1kOutputTokens: 3n * 10n ** 15n };
 * await registerInferenceEndpoint(walletClient, {
 *   deployment, model: "ocx-tinylm-docs", url: "https://gpu1.example.com/l/7/8080", pricing, capacity: 4, region: "eu-west", leaseId: 7n,
 * });
 */
export async function registerInferenceEndpoint(
  client: WriteClient,
  parameters: RegisterInferenceEndpointParameters,
): Promise<RegisterInferenceEndpointReturnType> {
  return write(client, {
    address: inferenceRegistryAddress(parameters.deployment),
    abi: inferenceRegistryAbi,
    functionName: "register",
    parameters,
  });
}

/** Parameters of `registerInferenceEndpointSync`: those of `registerInferenceEndpoint`. */
export type RegisterInferenceEndpointSyncParameters = RegisterInferenceEndpointParameters;
/** The receipt and the `EndpointRegistered` event's arguments. */
export type RegisterInferenceEndpointSyncReturnType = WriteSyncResult<
  typeof inferenceRegistryAbi,
  "EndpointRegistered"
>;
/** What `registerInferenceEndpointSync` throws: what `registerInferenceEndpoint` throws, or `OcxTransactionRevertedError` / `OcxEventNotFoundError`. */
export type RegisterInferenceEndpointSyncErrorType = WriteSyncErrorType;

/**
 * `registerInferenceEndpoint`, then waits for the receipt and returns it with the `EndpointRegistered` event's arguments.
 * @example
 * const { event } = await registerInferenceEndpointSync(walletClient, {
 *   deployment, model: "ocx-tinylm-docs", url: "https://gpu1.example.com/l/7/8080", pricing, capacity: 4, region: "eu-west", leaseId: 7n,
 * });
 * event.endpointId; // 1n
 */
export async function registerInferenceEndpointSync(
  client: WriteClient,
  parameters: RegisterInferenceEndpointSyncParameters,
): Promise<RegisterInferenceEndpointSyncReturnType> {
  return writeSync(client, {
    address: inferenceRegistryAddress(parameters.deployment),
    abi: inferenceRegistryAbi,
    functionName: "register",
    parameters,
    events: ["EndpointRegistered"],
  });
}
