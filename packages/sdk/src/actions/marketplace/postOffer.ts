// Posts a provider's standing offer of a compute bundle at a per-second price.
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
 * Parameters of `postOffer` and `postOfferSync`: the deployment, and the arguments of `Marketplace.postOffer` by
 * their ABI names.
 */
export type PostOfferParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "postOffer"
>;
/** The hash of the sent transaction. */
export type PostOfferReturnType = Hash;
/**
 * What `postOffer` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors.
 */
export type PostOfferErrorType = WriteErrorType;

/**
 * Posts a standing offer of `resources` at `pricePerSecond` (token units per second), for up to `maxLeases` leases
 * at once, each funded for `minDuration` to `maxDuration` seconds. The caller must be a registered provider staked
 * for
 * `max(gpuCount, 1) * maxLeases` GPU units.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `postOfferSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, perHourToPerSecond, postOffer, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await postOffer(client, {
 *   deployment,
 *   resources: {
 *     gpuModel: toLabel("nvidia-h100-80gb"),
 *     region: toLabel("eu-west"),
 *     gpuCount: 1,
 *     gpuVramMiB: 81920,
 *     cpuMillicores: 16000,
 *     memoryMiB: 131072,
 *     diskMiB: 512000,
 *   },
 *   pricePerSecond: perHourToPerSecond(parseEther("3.6")),
 *   maxLeases: 2,
 *   minDuration: 600,
 *   maxDuration: 86_400,
 * });
 */
export async function postOffer(client: WriteClient, parameters: PostOfferParameters): Promise<PostOfferReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "postOffer",
    parameters,
  });
}

/** Parameters of `postOfferSync`: those of `postOffer`. */
export type PostOfferSyncParameters = PostOfferParameters;
/** The receipt and the `OfferPosted` event's arguments: `event.offerId` is the new offer. */
export type PostOfferSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "OfferPosted">;
/**
 * What `postOfferSync` throws: what `postOffer` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type PostOfferSyncErrorType = WriteSyncErrorType;

/**
 * `postOffer`, then waits for the receipt and returns it with the `OfferPosted` event's arguments: `event.offerId`
 * is the new offer.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, perHourToPerSecond, postOfferSync, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await postOfferSync(client, {
 *   deployment,
 *   resources: {
 *     gpuModel: toLabel("nvidia-h100-80gb"),
 *     region: toLabel("eu-west"),
 *     gpuCount: 1,
 *     gpuVramMiB: 81920,
 *     cpuMillicores: 16000,
 *     memoryMiB: 131072,
 *     diskMiB: 512000,
 *   },
 *   pricePerSecond: perHourToPerSecond(parseEther("3.6")),
 *   maxLeases: 2,
 *   minDuration: 600,
 *   maxDuration: 86_400,
 * });
 * event.offerId; // 1n
 */
export async function postOfferSync(
  client: WriteClient,
  parameters: PostOfferSyncParameters,
): Promise<PostOfferSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "postOffer",
    parameters,
    events: ["OfferPosted"],
  });
}
