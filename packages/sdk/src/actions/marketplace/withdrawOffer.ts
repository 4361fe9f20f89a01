// Withdraws a provider's offer for good.
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
 * Parameters of `withdrawOffer` and `withdrawOfferSync`: the deployment, and the arguments of
 * `Marketplace.withdrawOffer` by their ABI names.
 */
export type WithdrawOfferParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "withdrawOffer"
>;
/** The hash of the sent transaction. */
export type WithdrawOfferReturnType = Hash;
/**
 * What `withdrawOffer` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type WithdrawOfferErrorType = WriteErrorType;

/**
 * Withdraws an offer for good and releases its GPU commitment in the registry; running leases go on.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `withdrawOfferSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, withdrawOffer } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await withdrawOffer(client, { deployment, offerId: 1n });
 */
export async function withdrawOffer(
  client: WriteClient,
  parameters: WithdrawOfferParameters,
): Promise<WithdrawOfferReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "withdrawOffer",
    parameters,
  });
}

/** Parameters of `withdrawOfferSync`: those of `withdrawOffer`. */
export type WithdrawOfferSyncParameters = WithdrawOfferParameters;
/** The receipt and the `OfferStateChanged` event's arguments (`state` 3, Withdrawn). */
export type WithdrawOfferSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "OfferStateChanged">;
/**
 * What `withdrawOfferSync` throws: what `withdrawOffer` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type WithdrawOfferSyncErrorType = WriteSyncErrorType;

/**
 * `withdrawOffer`, then waits for the receipt and returns it with the `OfferStateChanged` event's arguments (`state`
 * 3, Withdrawn).
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, withdrawOfferSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await withdrawOfferSync(client, { deployment, offerId: 1n });
 * event.state; // 3
 */
export async function withdrawOfferSync(
  client: WriteClient,
  parameters: WithdrawOfferSyncParameters,
): Promise<WithdrawOfferSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "withdrawOffer",
    parameters,
    events: ["OfferStateChanged"],
  });
}
