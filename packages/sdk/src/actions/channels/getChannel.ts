// A channel's on-chain state and the contract's fixed terms.
import { paymentChannelsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";
import { type ChannelsDeployment, channelsAddress } from "./address.js";

/** Parameters of `getChannel`: the deployment, `payer` and `payee`. */
export type GetChannelParameters = { deployment: ChannelsDeployment } & ContractArgs<
  typeof paymentChannelsAbi,
  "channel"
>;
/** `{ balance, unlockAt, redeemed }`: the unredeemed deposit, when withdraw opens (0 = not requested), and the
 * cumulative amount paid to the payee. */
export type GetChannelReturnType = ContractResult<typeof paymentChannelsAbi, "channel">;
/** What `getChannel` throws. */
export type GetChannelErrorType = ReadErrorType;

/**
 * The channel from `payer` to `payee`. A voucher can be redeemed up to `redeemed + balance` in all.
 * @example
 * const { balance, redeemed, unlockAt } = await getChannel(publicClient, { deployment, payer, payee });
 */
export async function getChannel(client: ReadClient, parameters: GetChannelParameters): Promise<GetChannelReturnType> {
  return read(client, {
    address: channelsAddress(parameters.deployment),
    abi: paymentChannelsAbi,
    functionName: "channel",
    parameters,
  });
}

/** The fixed terms of a PaymentChannels deployment. */
export interface ChannelTerms {
  /** The ERC-20 the channels hold (the deployment's payment token). */
  token: `0x${string}`;
  /** Seconds between `requestUnlock` and the first possible `withdraw`. */
  unlockDelaySeconds: number;
}

/**
 * The token and unlock delay of the deployment's PaymentChannels (both immutable).
 * @example
 * const { token, unlockDelaySeconds } = await getChannelTerms(publicClient, { deployment });
 */
export async function getChannelTerms(
  client: ReadClient,
  parameters: { deployment: ChannelsDeployment },
): Promise<ChannelTerms> {
  const address = channelsAddress(parameters.deployment);
  const [token, delay] = await Promise.all([
    read(client, { address, abi: paymentChannelsAbi, functionName: "token", parameters: {} }),
    read(client, { address, abi: paymentChannelsAbi, functionName: "unlockDelay", parameters: {} }),
  ]);
  return { token, unlockDelaySeconds: Number(delay) };
}
