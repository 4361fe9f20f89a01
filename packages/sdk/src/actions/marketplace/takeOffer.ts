// Takes a standing offer: the buyer's way to start a lease at the offer's price.
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
 * Parameters of `takeOffer` and `takeOfferSync`: the deployment, and the arguments of `Marketplace.takeOffer` by
 * their ABI names.
 */
export type TakeOfferParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "takeOffer"
>;
/** The hash of the sent transaction. */
export type TakeOfferReturnType = Hash;
/**
 * What `takeOffer` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors.
 */
export type TakeOfferErrorType = WriteErrorType;

/**
 * Takes offer `offerId`: checks the price against `maxPricePerSecond` and the offer's capacity, pulls `deposit` from
 * the account into escrow and creates a pending lease that the provider must acknowledge. Approve the deposit first
 * (`ensureAllowance`). A price above the limit throws `OcxContractError` `MarketplacePriceAboveLimit(price, limit)`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `takeOfferSync` waits.
 * @example
 * import { readFile } from "node:fs/promises";
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, manifestHash, parseManifest, perHourToPerSecond, takeOffer } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await takeOffer(client, {
 *   deployment,
 *   offerId: 1n,
 *   maxPricePerSecond: perHourToPerSecond(parseEther("3.6")),
 *   manifestHash: manifestHash(parseManifest(await readFile("job.yaml", "utf8"))),
 *   deposit: parseEther("3.6"),
 * });
 */
export async function takeOffer(client: WriteClient, parameters: TakeOfferParameters): Promise<TakeOfferReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "takeOffer",
    parameters,
  });
}

/** Parameters of `takeOfferSync`: those of `takeOffer`. */
export type TakeOfferSyncParameters = TakeOfferParameters;
/** The receipt and the `LeaseCreated` event's arguments: `event.leaseId` is the new lease. */
export type TakeOfferSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "LeaseCreated">;
/**
 * What `takeOfferSync` throws: what `takeOffer` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type TakeOfferSyncErrorType = WriteSyncErrorType;

/**
 * `takeOffer`, then waits for the receipt and returns it with the `LeaseCreated` event's arguments: `event.leaseId`
 * is the new lease.
 * @example
 * import { readFile } from "node:fs/promises";
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, manifestHash, parseManifest, perHourToPerSecond, takeOfferSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await takeOfferSync(client, {
 *   deployment,
 *   offerId: 1n,
 *   maxPricePerSecond: perHourToPerSecond(parseEther("3.6")),
 *   manifestHash: manifestHash(parseManifest(await readFile("job.yaml", "utf8"))),
 *   deposit: parseEther("3.6"),
 * });
 * event.leaseId; // 1n
 */
export async function takeOfferSync(
  client: WriteClient,
  parameters: TakeOfferSyncParameters,
): Promise<TakeOfferSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "takeOffer",
    parameters,
    events: ["LeaseCreated"],
  });
}
