// Withdraws a buyer's open request.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";

/**
 * Parameters of `cancelRequest` and `cancelRequestSync`: the deployment, and the arguments of
 * `Marketplace.cancelRequest` by their ABI names.
 */
export type CancelRequestParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "cancelRequest"
>;
/** The hash of the sent transaction. */
export type CancelRequestReturnType = Hash;
/**
 * What `cancelRequest` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type CancelRequestErrorType = WriteErrorType;

/**
 * The buyer withdraws an open request and gets its deposit back.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `cancelRequestSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { cancelRequest, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await cancelRequest(client, { deployment, requestId: 1n });
 */
export async function cancelRequest(
  client: WriteClient,
  parameters: CancelRequestParameters,
): Promise<CancelRequestReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "cancelRequest",
    parameters,
  });
}

/** Parameters of `cancelRequestSync`: those of `cancelRequest`. */
export type CancelRequestSyncParameters = CancelRequestParameters;
/** The receipt and the `RequestCancelled` event's arguments. */
export type CancelRequestSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "RequestCancelled">;
/**
 * What `cancelRequestSync` throws: what `cancelRequest` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type CancelRequestSyncErrorType = WriteSyncErrorType;

/**
 * `cancelRequest`, then waits for the receipt and returns it with the `RequestCancelled` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { cancelRequestSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await cancelRequestSync(client, { deployment, requestId: 1n });
 * event.refund; // parseEther("4")
 */
export async function cancelRequestSync(
  client: WriteClient,
  parameters: CancelRequestSyncParameters,
): Promise<CancelRequestSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "cancelRequest",
    parameters,
    events: ["RequestCancelled"],
  });
}
