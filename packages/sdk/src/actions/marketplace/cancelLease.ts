// Cancels a lease that its provider has not acknowledged.
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
 * Parameters of `cancelLease` and `cancelLeaseSync`: the deployment, and the arguments of `Marketplace.cancel` by
 * their ABI names.
 */
export type CancelLeaseParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "cancel"
>;
/** The hash of the sent transaction. */
export type CancelLeaseReturnType = Hash;
/**
 * What `cancelLease` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type CancelLeaseErrorType = WriteErrorType;

/**
 * Cancels pending lease `leaseId` with a full refund: the buyer may at any time, anyone once the acknowledgement
 * deadline has passed (which counts as the provider's no-show). Calls the contract's `cancel`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `cancelLeaseSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { cancelLease, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await cancelLease(client, { deployment, leaseId: 1n });
 */
export async function cancelLease(
  client: WriteClient,
  parameters: CancelLeaseParameters,
): Promise<CancelLeaseReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "cancel",
    parameters,
  });
}

/** Parameters of `cancelLeaseSync`: those of `cancelLease`. */
export type CancelLeaseSyncParameters = CancelLeaseParameters;
/** The receipt and the `LeaseClosed` event's arguments (`reason` 2, Cancelled). */
export type CancelLeaseSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "LeaseClosed">;
/**
 * What `cancelLeaseSync` throws: what `cancelLease` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type CancelLeaseSyncErrorType = WriteSyncErrorType;

/**
 * `cancelLease`, then waits for the receipt and returns it with the `LeaseClosed` event's arguments (`reason` 2,
 * Cancelled).
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { cancelLeaseSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await cancelLeaseSync(client, { deployment, leaseId: 1n });
 * event.refund; // parseEther("3.6")
 */
export async function cancelLeaseSync(
  client: WriteClient,
  parameters: CancelLeaseSyncParameters,
): Promise<CancelLeaseSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "cancel",
    parameters,
    events: ["LeaseClosed"],
  });
}
