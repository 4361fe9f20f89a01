// The buyer's early end of a lease.
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
 * Parameters of `closeLease` and `closeLeaseSync`: the deployment, and the arguments of `Marketplace.close` by their
 * ABI names.
 */
export type CloseLeaseParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "close"
>;
/** The hash of the sent transaction. */
export type CloseLeaseReturnType = Hash;
/**
 * What `closeLease` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors.
 */
export type CloseLeaseErrorType = WriteErrorType;

/**
 * The buyer ends active lease `leaseId` now: it is settled and the rest of the escrow is refunded.
 * Calls the contract's `close`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `closeLeaseSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { closeLease, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await closeLease(client, { deployment, leaseId: 1n });
 */
export async function closeLease(client: WriteClient, parameters: CloseLeaseParameters): Promise<CloseLeaseReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "close",
    parameters,
  });
}

/** Parameters of `closeLeaseSync`: those of `closeLease`. */
export type CloseLeaseSyncParameters = CloseLeaseParameters;
/** The receipt and the `LeaseClosed` event's arguments (`reason` 1, ClosedByBuyer, or 3 if the escrow ran out). */
export type CloseLeaseSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "LeaseClosed">;
/**
 * What `closeLeaseSync` throws: what `closeLease` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type CloseLeaseSyncErrorType = WriteSyncErrorType;

/**
 * `closeLease`, then waits for the receipt and returns it with the `LeaseClosed` event's arguments (`reason` 1,
 * ClosedByBuyer, or 3 if the escrow ran out).
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { closeLeaseSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await closeLeaseSync(client, { deployment, leaseId: 1n });
 * event.refund; // what went back to the buyer
 */
export async function closeLeaseSync(
  client: WriteClient,
  parameters: CloseLeaseSyncParameters,
): Promise<CloseLeaseSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "close",
    parameters,
    events: ["LeaseClosed"],
  });
}
