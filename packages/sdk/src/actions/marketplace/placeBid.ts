// Places or lowers a provider's bid on a buyer's request.
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
 * Parameters of `placeBid` and `placeBidSync`: the deployment, and the arguments of `Marketplace.bid` by their ABI
 * names.
 */
export type PlaceBidParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "bid"
>;
/** The hash of the sent transaction. */
export type PlaceBidReturnType = Hash;
/** What `placeBid` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type PlaceBidErrorType = WriteErrorType;

/**
 * Bids `pricePerSecond` on request `requestId`, offering `resources` (which must meet the request's requirements).
 * A provider may only lower its own bid. Calls the contract's `bid`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `placeBidSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, perHourToPerSecond, placeBid, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await placeBid(client, {
 *   deployment,
 *   requestId: 1n,
 *   pricePerSecond: perHourToPerSecond(parseEther("3")),
 *   resources: {
 *     gpuModel: toLabel("nvidia-h100-80gb"),
 *     region: toLabel("eu-west"),
 *     gpuCount: 1,
 *     gpuVramMiB: 81920,
 *     cpuMillicores: 16000,
 *     memoryMiB: 131072,
 *     diskMiB: 512000,
 *   },
 * });
 */
export async function placeBid(client: WriteClient, parameters: PlaceBidParameters): Promise<PlaceBidReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "bid",
    parameters,
  });
}

/** Parameters of `placeBidSync`: those of `placeBid`. */
export type PlaceBidSyncParameters = PlaceBidParameters;
/** The receipt and the `BidPlaced` event's arguments. */
export type PlaceBidSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "BidPlaced">;
/**
 * What `placeBidSync` throws: what `placeBid` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type PlaceBidSyncErrorType = WriteSyncErrorType;

/**
 * `placeBid`, then waits for the receipt and returns it with the `BidPlaced` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, perHourToPerSecond, placeBidSync, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await placeBidSync(client, {
 *   deployment,
 *   requestId: 1n,
 *   pricePerSecond: perHourToPerSecond(parseEther("3")),
 *   resources: {
 *     gpuModel: toLabel("nvidia-h100-80gb"),
 *     region: toLabel("eu-west"),
 *     gpuCount: 1,
 *     gpuVramMiB: 81920,
 *     cpuMillicores: 16000,
 *     memoryMiB: 131072,
 *     diskMiB: 512000,
 *   },
 * });
 * event.pricePerSecond; // 833333333333333n
 */
export async function placeBidSync(
  client: WriteClient,
  parameters: PlaceBidSyncParameters,
): Promise<PlaceBidSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "bid",
    parameters,
    events: ["BidPlaced"],
  });
}
