// Changes the terms of a provider's offer.
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
 * Parameters of `updateOffer` and `updateOfferSync`: the deployment, and the arguments of `Marketplace.updateOffer`
 * by their ABI names.
 */
export type UpdateOfferParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "updateOffer"
>;
/** The hash of the sent transaction. */
export type UpdateOfferReturnType = Hash;
/**
 * What `updateOffer` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type UpdateOfferErrorType = WriteErrorType;

/**
 * Changes an offer's price, capacity and durations; the bundle cannot change (post a new offer). Running leases keep
 * the price they were created at. Raising `maxLeases` needs stake for the extra GPU units.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `updateOfferSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, perHourToPerSecond, updateOffer } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await updateOffer(client, {
 *   deployment,
 *   offerId: 1n,
 *   pricePerSecond: perHourToPerSecond(parseEther("3")),
 *   maxLeases: 4,
 *   minDuration: 600,
 *   maxDuration: 86_400,
 * });
 */
export async function updateOffer(
  client: WriteClient,
  parameters: UpdateOfferParameters,
): Promise<UpdateOfferReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "updateOffer",
    parameters,
  });
}

/** Parameters of `updateOfferSync`: those of `updateOffer`. */
export type UpdateOfferSyncParameters = UpdateOfferParameters;
/** The receipt and the `OfferUpdated` event's arguments. */
export type UpdateOfferSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "OfferUpdated">;
/**
 * What `updateOfferSync` throws: what `updateOffer` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type UpdateOfferSyncErrorType = WriteSyncErrorType;

/**
 * `updateOffer`, then waits for the receipt and returns it with the `OfferUpdated` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, perHourToPerSecond, updateOfferSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await updateOfferSync(client, {
 *   deployment,
 *   offerId: 1n,
 *   pricePerSecond: perHourToPerSecond(parseEther("3")),
 *   maxLeases: 4,
 *   minDuration: 600,
 *   maxDuration: 86_400,
 * });
 * event.pricePerSecond; // 833333333333333n
 */
export async function updateOfferSync(
  client: WriteClient,
  parameters: UpdateOfferSyncParameters,
): Promise<UpdateOfferSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "updateOffer",
    parameters,
    events: ["OfferUpdated"],
  });
}
