// The payer's last step out of a channel: take back the unredeemed balance after the unlock delay.
import { paymentChannelsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteSyncErrorType,
  type WriteSyncResult,
  writeSync,
} from "../internal/contract.js";
import { type ChannelsDeployment, channelsAddress } from "./address.js";

/** Parameters of `withdrawFromChannel`: the deployment and the channel's `payee`. */
export type WithdrawFromChannelParameters = { deployment: ChannelsDeployment } & ContractArgs<
  typeof paymentChannelsAbi,
  "withdraw"
>;
/** The receipt and the `Withdrawn` event: `event.amount` came back to the account. */
export type WithdrawFromChannelReturnType = WriteSyncResult<typeof paymentChannelsAbi, "Withdrawn">;
/** What `withdrawFromChannel` throws: `OcxContractError` `PaymentChannelsStillLocked(unlockAt, now)` before the delay. */
export type WithdrawFromChannelErrorType = WriteSyncErrorType;

/**
 * Returns the whole unredeemed balance of the account's channel to `payee`, after `requestChannelUnlock` and the
 * unlock delay, and waits for the receipt.
 * @example
 * const { event } = await withdrawFromChannel(walletClient, { deployment, payee });
 * event.amount; // what came back
 */
export async function withdrawFromChannel(
  client: WriteClient,
  parameters: WithdrawFromChannelParameters,
): Promise<WithdrawFromChannelReturnType> {
  return writeSync(client, {
    address: channelsAddress(parameters.deployment),
    abi: paymentChannelsAbi,
    functionName: "withdraw",
    parameters,
    events: ["Withdrawn"],
  });
}
