// Lets a buyer accept any bid on its request before the auction ends.
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
 * Parameters of `acceptBid` and `acceptBidSync`: the deployment, and the arguments of `Marketplace.acceptBid` by
 * their ABI names.
 */
export type AcceptBidParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "acceptBid"
>;
/** The hash of the sent transaction. */
export type AcceptBidReturnType = Hash;
/**
 * What `acceptBid` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors.
 */
export type AcceptBidErrorType = WriteErrorType;

/**
 * The buyer accepts `provider`'s bid on request `requestId`, whatever its rank, and the lease is created.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `acceptBidSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { acceptBid, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await acceptBid(client, {
 *   deployment,
 *   requestId: 1n,
 *   provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 * });
 */
export async function acceptBid(client: WriteClient, parameters: AcceptBidParameters): Promise<AcceptBidReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "acceptBid",
    parameters,
  });
}

/** Parameters of `acceptBidSync`: those of `acceptBid`. */
export type AcceptBidSyncParameters = AcceptBidParameters;
/** The receipt and the `RequestClosed` event's arguments: `event.leaseId` is the new lease. */
export type AcceptBidSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "RequestClosed">;
/**
 * What `acceptBidSync` throws: what `acceptBid` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type AcceptBidSyncErrorType = WriteSyncErrorType;

/**
 * `acceptBid`, then waits for the receipt and returns it with the `RequestClosed` event's arguments: `event.leaseId`
 * is the new lease.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { acceptBidSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await acceptBidSync(client, {
 *   deployment,
 *   requestId: 1n,
 *   provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 * });
 * event.leaseId; // 1n
 */
export async function acceptBidSync(
  client: WriteClient,
  parameters: AcceptBidSyncParameters,
): Promise<AcceptBidSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "acceptBid",
    parameters,
    events: ["RequestClosed"],
  });
}
