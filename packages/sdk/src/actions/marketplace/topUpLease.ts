// Adds to a lease's escrow so that it runs longer.
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
 * Parameters of `topUpLease` and `topUpLeaseSync`: the deployment, and the arguments of `Marketplace.topUp` by their
 * ABI names.
 */
export type TopUpLeaseParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "topUp"
>;
/** The hash of the sent transaction. */
export type TopUpLeaseReturnType = Hash;
/**
 * What `topUpLease` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors.
 */
export type TopUpLeaseErrorType = WriteErrorType;

/**
 * Adds `amount` (pulled from the account: approve it first) to lease `leaseId`'s escrow, up to the lease's maximum
 * duration. Refunds always go to the lease's buyer. Calls the contract's `topUp`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `topUpLeaseSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, topUpLease } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await topUpLease(client, { deployment, leaseId: 1n, amount: parseEther("1") });
 */
export async function topUpLease(client: WriteClient, parameters: TopUpLeaseParameters): Promise<TopUpLeaseReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "topUp",
    parameters,
  });
}

/** Parameters of `topUpLeaseSync`: those of `topUpLease`. */
export type TopUpLeaseSyncParameters = TopUpLeaseParameters;
/** The receipt and the `LeaseToppedUp` event's arguments. */
export type TopUpLeaseSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "LeaseToppedUp">;
/**
 * What `topUpLeaseSync` throws: what `topUpLease` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type TopUpLeaseSyncErrorType = WriteSyncErrorType;

/**
 * `topUpLease`, then waits for the receipt and returns it with the `LeaseToppedUp` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, topUpLeaseSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await topUpLeaseSync(client, { deployment, leaseId: 1n, amount: parseEther("1") });
 * event.escrow; // the new escrow
 */
export async function topUpLeaseSync(
  client: WriteClient,
  parameters: TopUpLeaseSyncParameters,
): Promise<TopUpLeaseSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "topUp",
    parameters,
    events: ["LeaseToppedUp"],
  });
}
