// PriceFeed.updateAnswer: the devnet feed's updater posts a new OCX/USD price.
import { type Hash, parseUnits } from "viem";
import type { Deployment } from "../../deployment.js";
import { OcxUsageError } from "../../errors.js";
import { priceFeedAbi } from "../../generated/abis.js";
import {
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { priceFeedAddress } from "./address.js";

/** Parameters of `setOcxPrice` and `setOcxPriceSync`: the deployment and the new price in dollars per OCX. */
export interface SetOcxPriceParameters {
  deployment: Pick<Deployment, "priceFeed">;
  /** Dollars per OCX as a decimal string ("0.50"), or already in feed units (8 decimals) as a bigint. */
  usdPerOcx: string | bigint;
}
/** The hash of the sent transaction. */
export type SetOcxPriceReturnType = Hash;
/** What `setOcxPrice` throws: `OcxUsageError` for a price that is not a positive decimal, `DeploymentError`,
 * `OcxContractError` (the account is not the feed's updater), or viem's errors. */
export type SetOcxPriceErrorType = WriteErrorType;

/** The feed's decimals on every OCX devnet feed (PriceFeed is deployed with 8, as Chainlink's USD feeds). */
export const PRICE_FEED_DECIMALS = 8;

/**
 * Dollars per OCX ("0.50") in feed units (50000000n); throws `OcxUsageError` naming the value when it is not a
 * positive decimal with at most 8 decimals.
 * @example
 * toFeedPrice("0.50"); // 50000000n
 */
export function toFeedPrice(usdPerOcx: string | bigint): bigint {
  if (typeof usdPerOcx === "bigint") {
    if (usdPerOcx <= 0n) throw new OcxUsageError(`the OCX price must be positive, got ${usdPerOcx} feed units`);
    return usdPerOcx;
  }
  const text = usdPerOcx.trim().replace(/^\$/, "");
  if (!/^\d+(\.\d{1,8})?$/.test(text) || parseUnits(text, PRICE_FEED_DECIMALS) === 0n) {
    throw new OcxUsageError(
      `the OCX price must be a positive number of dollars with at most 8 decimals, such as 0.50; got "${usdPerOcx}"`,
    );
  }
  return parseUnits(text, PRICE_FEED_DECIMALS);
}

/**
 * Posts a new OCX/USD price to the devnet's PriceFeed (a new round, timed now). Only the feed's updater may.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, setOcxPrice } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const hash = await setOcxPrice(client, { deployment: await loadDeployment(foundry.id), usdPerOcx: "0.50" });
 */
export async function setOcxPrice(
  client: WriteClient,
  parameters: SetOcxPriceParameters,
): Promise<SetOcxPriceReturnType> {
  return write(client, {
    address: priceFeedAddress(parameters.deployment),
    abi: priceFeedAbi,
    functionName: "updateAnswer",
    parameters: { answer: toFeedPrice(parameters.usdPerOcx) },
  });
}

/** Parameters of `setOcxPriceSync`: those of `setOcxPrice`. */
export type SetOcxPriceSyncParameters = SetOcxPriceParameters;
/** The receipt and the `AnswerUpdated` event's arguments. */
export type SetOcxPriceSyncReturnType = WriteSyncResult<typeof priceFeedAbi, "AnswerUpdated">;
/** What `setOcxPriceSync` throws: what `setOcxPrice` throws, and the receipt errors of every `…Sync` action. */
export type SetOcxPriceSyncErrorType = WriteSyncErrorType;

/**
 * `setOcxPrice`, then waits for the receipt and returns it with the `AnswerUpdated` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, setOcxPriceSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const { event } = await setOcxPriceSync(client, { deployment: await loadDeployment(foundry.id), usdPerOcx: "0.50" });
 * event.roundId;
 */
export async function setOcxPriceSync(
  client: WriteClient,
  parameters: SetOcxPriceSyncParameters,
): Promise<SetOcxPriceSyncReturnType> {
  return writeSync(client, {
    address: priceFeedAddress(parameters.deployment),
    abi: priceFeedAbi,
    functionName: "updateAnswer",
    parameters: { answer: toFeedPrice(parameters.usdPerOcx) },
    events: ["AnswerUpdated"],
  });
}
