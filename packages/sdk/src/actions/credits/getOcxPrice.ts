// The OCX/USD oracle's latest round, read through AggregatorV3Interface (the feed OcxCredits converts at).
import type { Deployment } from "../../deployment.js";
import { priceFeedAbi } from "../../generated/abis.js";
import { type ReadClient, type ReadErrorType, read } from "../internal/contract.js";
import { priceFeedAddress } from "./address.js";

/** Parameters of `getOcxPrice`: the deployment (its `priceFeed`). */
export interface GetOcxPriceParameters {
  deployment: Pick<Deployment, "priceFeed">;
}
/** The feed's latest round: the price in feed units (`price / 10^decimals` dollars per OCX) and when it was set. */
export interface GetOcxPriceReturnType {
  roundId: bigint;
  /** Dollars per OCX, scaled by 10^decimals (8 on the devnet feed and Chainlink's USD feeds). */
  price: bigint;
  decimals: number;
  /** Unix seconds of the round's last update. */
  updatedAt: bigint;
}
/** What `getOcxPrice` throws: `DeploymentError` when the deployment has no feed, `OcxContractError` (a feed without
 * rounds), or viem's read errors. */
export type GetOcxPriceErrorType = ReadErrorType;

/**
 * The OCX/USD feed's latest round and its decimals. Any AggregatorV3Interface feed answers this (the devnet's
 * PriceFeed, a Chainlink aggregator, a TWAP adapter).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { formatUnits } from "viem";
 * import { getOcxPrice, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const { price, decimals } = await getOcxPrice(client, { deployment });
 * formatUnits(price, decimals); // "0.5"
 */
export async function getOcxPrice(
  client: ReadClient,
  parameters: GetOcxPriceParameters,
): Promise<GetOcxPriceReturnType> {
  const address = priceFeedAddress(parameters.deployment);
  const [round, decimals] = await Promise.all([
    read(client, { address, abi: priceFeedAbi, functionName: "latestRoundData", parameters: {} }),
    read(client, { address, abi: priceFeedAbi, functionName: "decimals", parameters: {} }),
  ]);
  const [roundId, answer, , updatedAt] = round;
  return { roundId, price: answer < 0n ? 0n : answer, decimals, updatedAt };
}
