// Moves the payer's payment tokens into its channel to a payee: the one on-chain step before paying per request.
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

/** Parameters of `depositToChannel`: the deployment, and `PaymentChannels.deposit`'s arguments (`payee`, `amount`). */
export type DepositToChannelParameters = { deployment: ChannelsDeployment } & ContractArgs<
  typeof paymentChannelsAbi,
  "deposit"
>;
/** What `depositToChannel` throws: `OcxContractError` for a revert found in simulation, or viem's errors. */
export type DepositToChannelErrorType = WriteErrorType;

/**
 * Deposits `amount` of the payment token (smallest units) into the account's channel to `payee`, and cancels a
 * pending unlock. Approve PaymentChannels first (`ensureAllowance` with `spender: deployment.paymentChannels` and
 * `token: deployment.paymentToken`). Returns the transaction hash; `depositToChannelSync` waits.
 * @example
 * import { depositToChannel, loadDeployment } from "@ocx/sdk";
 *
 * const deployment = await loadDeployment(31337);
 * await depositToChannel(walletClient, { deployment, payee: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", amount: 10n ** 18n });
 */
export async function depositToChannel(client: WriteClient, parameters: DepositToChannelParameters): Promise<Hash> {
  return write(client, {
    address: channelsAddress(parameters.deployment),
    abi: paymentChannelsAbi,
    functionName: "deposit",
    parameters,
  });
}

/** The receipt and the `Deposited` event: `event.balance` is the channel's balance after the deposit. */
export type DepositToChannelSyncReturnType = WriteSyncResult<typeof paymentChannelsAbi, "Deposited">;
/** What `depositToChannelSync` throws. */
export type DepositToChannelSyncErrorType = WriteSyncErrorType;

/**
 * `depositToChannel`, then waits for the receipt and returns the `Deposited` event.
 * @example
 * const { event } = await depositToChannelSync(walletClient, { deployment, payee, amount: 10n ** 18n });
 * event.balance; // 1000000000000000000n
 */
export async function depositToChannelSync(
  client: WriteClient,
  parameters: DepositToChannelParameters,
): Promise<DepositToChannelSyncReturnType> {
  return writeSync(client, {
    address: channelsAddress(parameters.deployment),
    abi: paymentChannelsAbi,
    functionName: "deposit",
    parameters,
    events: ["Deposited"],
  });
}
