// The payer's first step out of a channel: start the unlock delay.
import { paymentChannelsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteSyncErrorType,
  type WriteSyncResult,
  writeSync,
} from "../internal/contract.js";
import { type ChannelsDeployment, channelsAddress } from "./address.js";

/** Parameters of `requestChannelUnlock`: the deployment and the channel's `payee`. */
export type RequestChannelUnlockParameters = { deployment: ChannelsDeployment } & ContractArgs<
  typeof paymentChannelsAbi,
  "requestUnlock"
>;
/** The receipt and the `UnlockRequested` event: `event.unlockAt` is when `withdrawFromChannel` opens. */
export type RequestChannelUnlockReturnType = WriteSyncResult<typeof paymentChannelsAbi, "UnlockRequested">;
/** What `requestChannelUnlock` throws. */
export type RequestChannelUnlockErrorType = WriteSyncErrorType;

/**
 * Starts the unlock delay of the account's channel to `payee` and waits for the receipt. The payee can still
 * redeem during the delay; a deposit cancels the request.
 * @example
 * const { event } = await requestChannelUnlock(walletClient, { deployment, payee });
 * new Date(Number(event.unlockAt) * 1000);
 */
export async function requestChannelUnlock(
  client: WriteClient,
  parameters: RequestChannelUnlockParameters,
): Promise<RequestChannelUnlockReturnType> {
  return writeSync(client, {
    address: channelsAddress(parameters.deployment),
    abi: paymentChannelsAbi,
    functionName: "requestUnlock",
    parameters,
    events: ["UnlockRequested"],
  });
}

/** Parameters of `cancelChannelUnlock`: the deployment and the channel's `payee`. */
export type CancelChannelUnlockParameters = { deployment: ChannelsDeployment } & ContractArgs<
  typeof paymentChannelsAbi,
  "cancelUnlock"
>;

/**
 * Cancels the account's pending unlock request for `payee` and waits for the receipt.
 * @example
 * await cancelChannelUnlock(walletClient, { deployment, payee });
 */
export async function cancelChannelUnlock(
  client: WriteClient,
  parameters: CancelChannelUnlockParameters,
): Promise<WriteSyncResult<typeof paymentChannelsAbi, "UnlockCancelled">> {
  return writeSync(client, {
    address: channelsAddress(parameters.deployment),
    abi: paymentChannelsAbi,
    functionName: "cancelUnlock",
    parameters,
    events: ["UnlockCancelled"],
  });
}
