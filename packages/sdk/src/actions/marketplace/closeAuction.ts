// Ends a request's auction once bidding is over.
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
 * Parameters of `closeAuction` and `closeAuctionSync`: the deployment, and the arguments of
 * `Marketplace.closeAuction` by their ABI names.
 */
export type CloseAuctionParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "closeAuction"
>;
/** The hash of the sent transaction. */
export type CloseAuctionReturnType = Hash;
/**
 * What `closeAuction` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type CloseAuctionErrorType = WriteErrorType;

/**
 * After the bidding deadline anyone closes the auction: the lowest bid wins (the earliest on a tie) and a lease is
 * created, or, with no active winner, the deposit goes back to the buyer.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `closeAuctionSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { closeAuction, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await closeAuction(client, { deployment, requestId: 1n });
 */
export async function closeAuction(
  client: WriteClient,
  parameters: CloseAuctionParameters,
): Promise<CloseAuctionReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "closeAuction",
    parameters,
  });
}

/** Parameters of `closeAuctionSync`: those of `closeAuction`. */
export type CloseAuctionSyncParameters = CloseAuctionParameters;
/**
 * The receipt and the event that ended the auction: `RequestClosed` (with `leaseId`) or `RequestCancelled` (with
 * `refund`).
 */
export type CloseAuctionSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "RequestClosed" | "RequestCancelled">;
/**
 * What `closeAuctionSync` throws: what `closeAuction` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type CloseAuctionSyncErrorType = WriteSyncErrorType;

/**
 * `closeAuction`, then waits for the receipt and returns it with the event that ended the auction: `RequestClosed`
 * (with `leaseId`) or `RequestCancelled` (with `refund`).
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { closeAuctionSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await closeAuctionSync(client, { deployment, requestId: 1n });
 * if (result.eventName === "RequestClosed") result.event.leaseId; // 1n
 */
export async function closeAuctionSync(
  client: WriteClient,
  parameters: CloseAuctionSyncParameters,
): Promise<CloseAuctionSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "closeAuction",
    parameters,
    events: ["RequestClosed", "RequestCancelled"],
  });
}
