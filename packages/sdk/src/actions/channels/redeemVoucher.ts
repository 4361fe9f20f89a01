// The payee's on-chain step: redeem what a payer owes with the payer's latest cumulative voucher.
import type { Hash } from "viem";
import { paymentChannelsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { type ChannelsDeployment, channelsAddress } from "./address.js";

/**
 * Parameters of `redeemVoucher`: the deployment, and `PaymentChannels.redeem`'s arguments: `voucher`, the payer's
 * `signature`, and `amount`, the cumulative total to have been paid after this call (at most the voucher's).
 */
export type RedeemVoucherParameters = { deployment: ChannelsDeployment } & ContractArgs<
  typeof paymentChannelsAbi,
  "redeem"
>;
/** What `redeemVoucher` throws: `OcxContractError` (e.g. `PaymentChannelsAlreadyRedeemed` for a replay), or viem's. */
export type RedeemVoucherErrorType = WriteErrorType;

/**
 * Redeems up to `amount` in all from the payer's channel to the account (which must be `voucher.payee`): pays
 * `amount - redeemed` now. Returns the transaction hash; `redeemVoucherSync` waits.
 * @example
 * import { redeemVoucher } from "@ocx/sdk";
 *
 * await redeemVoucher(payeeWallet, { deployment, voucher, signature, amount: 42_000n });
 */
export async function redeemVoucher(client: WriteClient, parameters: RedeemVoucherParameters): Promise<Hash> {
  return write(client, {
    address: channelsAddress(parameters.deployment),
    abi: paymentChannelsAbi,
    functionName: "redeem",
    parameters,
  });
}

/** The receipt and the `Redeemed` event: `event.amount` was paid now, `event.cumulative` in all. */
export type RedeemVoucherSyncReturnType = WriteSyncResult<typeof paymentChannelsAbi, "Redeemed">;
/** What `redeemVoucherSync` throws. */
export type RedeemVoucherSyncErrorType = WriteSyncErrorType;

/**
 * `redeemVoucher`, then waits for the receipt and returns the `Redeemed` event.
 * @example
 * const { event } = await redeemVoucherSync(payeeWallet, { deployment, voucher, signature, amount: 42_000n });
 * event.amount; // what this transaction paid
 */
export async function redeemVoucherSync(
  client: WriteClient,
  parameters: RedeemVoucherParameters,
): Promise<RedeemVoucherSyncReturnType> {
  return writeSync(client, {
    address: channelsAddress(parameters.deployment),
    abi: paymentChannelsAbi,
    functionName: "redeem",
    parameters,
    events: ["Redeemed"],
  });
}
