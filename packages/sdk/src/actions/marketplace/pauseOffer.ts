// Stops new leases of a provider's offer.
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
 * Parameters of `pauseOffer` and `pauseOfferSync`: the deployment, and the arguments of `Marketplace.pauseOffer` by
 * their ABI names.
 */
export type PauseOfferParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "pauseOffer"
>;
/** The hash of the sent transaction. */
export type PauseOfferReturnType = Hash;
/**
 * What `pauseOffer` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors.
 */
export type PauseOfferErrorType = WriteErrorType;

/**
 * Pauses an active offer: buyers cannot take it until `resumeOffer`; running leases go on.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `pauseOfferSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, pauseOffer } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await pauseOffer(client, { deployment, offerId: 1n });
 */
export async function pauseOffer(client: WriteClient, parameters: PauseOfferParameters): Promise<PauseOfferReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "pauseOffer",
    parameters,
  });
}

/** Parameters of `pauseOfferSync`: those of `pauseOffer`. */
export type PauseOfferSyncParameters = PauseOfferParameters;
/** The receipt and the `OfferStateChanged` event's arguments (`state` 2, Paused). */
export type PauseOfferSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "OfferStateChanged">;
/**
 * What `pauseOfferSync` throws: what `pauseOffer` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type PauseOfferSyncErrorType = WriteSyncErrorType;

/**
 * `pauseOffer`, then waits for the receipt and returns it with the `OfferStateChanged` event's arguments (`state` 2,
 * Paused).
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, pauseOfferSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await pauseOfferSync(client, { deployment, offerId: 1n });
 * event.state; // 2
 */
export async function pauseOfferSync(
  client: WriteClient,
  parameters: PauseOfferSyncParameters,
): Promise<PauseOfferSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "pauseOffer",
    parameters,
    events: ["OfferStateChanged"],
  });
}
