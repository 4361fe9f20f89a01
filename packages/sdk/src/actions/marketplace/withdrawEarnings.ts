// Sends a provider its earnings.
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
 * Parameters of `withdrawEarnings` and `withdrawEarningsSync`: the deployment, and the arguments of
 * `Marketplace.withdraw` by their ABI names.
 */
export type WithdrawEarningsParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "withdraw"
>;
/** The hash of the sent transaction. */
export type WithdrawEarningsReturnType = Hash;
/**
 * What `withdrawEarnings` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type WithdrawEarningsErrorType = WriteErrorType;

/**
 * Settles the account's active leases among `leaseIds` and sends the account all of its earnings.
 * Calls the contract's `withdraw`; with nothing to withdraw it throws `MarketplaceNothingToWithdraw`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `withdrawEarningsSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, withdrawEarnings } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await withdrawEarnings(client, { deployment, leaseIds: [1n, 2n] });
 */
export async function withdrawEarnings(
  client: WriteClient,
  parameters: WithdrawEarningsParameters,
): Promise<WithdrawEarningsReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "withdraw",
    parameters,
  });
}

/** Parameters of `withdrawEarningsSync`: those of `withdrawEarnings`. */
export type WithdrawEarningsSyncParameters = WithdrawEarningsParameters;
/** The receipt and the `EarningsWithdrawn` event's arguments. */
export type WithdrawEarningsSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "EarningsWithdrawn">;
/**
 * What `withdrawEarningsSync` throws: what `withdrawEarnings` throws, `OcxTransactionRevertedError` when the
 * transaction reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type WithdrawEarningsSyncErrorType = WriteSyncErrorType;

/**
 * `withdrawEarnings`, then waits for the receipt and returns it with the `EarningsWithdrawn` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, withdrawEarningsSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await withdrawEarningsSync(client, { deployment, leaseIds: [1n, 2n] });
 * event.amount; // what was sent
 */
export async function withdrawEarningsSync(
  client: WriteClient,
  parameters: WithdrawEarningsSyncParameters,
): Promise<WithdrawEarningsSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "withdraw",
    parameters,
    events: ["EarningsWithdrawn"],
  });
}
