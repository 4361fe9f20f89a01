// Lets buyers take a paused offer again.
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
 * Parameters of `resumeOffer` and `resumeOfferSync`: the deployment, and the arguments of `Marketplace.resumeOffer`
 * by their ABI names.
 */
export type ResumeOfferParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "resumeOffer"
>;
/** The hash of the sent transaction. */
export type ResumeOfferReturnType = Hash;
/**
 * What `resumeOffer` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type ResumeOfferErrorType = WriteErrorType;

/**
 * Resumes a paused offer.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `resumeOfferSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, resumeOffer } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await resumeOffer(client, { deployment, offerId: 1n });
 */
export async function resumeOffer(
  client: WriteClient,
  parameters: ResumeOfferParameters,
): Promise<ResumeOfferReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "resumeOffer",
    parameters,
  });
}

/** Parameters of `resumeOfferSync`: those of `resumeOffer`. */
export type ResumeOfferSyncParameters = ResumeOfferParameters;
/** The receipt and the `OfferStateChanged` event's arguments (`state` 1, Active). */
export type ResumeOfferSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "OfferStateChanged">;
/**
 * What `resumeOfferSync` throws: what `resumeOffer` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type ResumeOfferSyncErrorType = WriteSyncErrorType;

/**
 * `resumeOffer`, then waits for the receipt and returns it with the `OfferStateChanged` event's arguments (`state`
 * 1, Active).
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, resumeOfferSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await resumeOfferSync(client, { deployment, offerId: 1n });
 * event.state; // 1
 */
export async function resumeOfferSync(
  client: WriteClient,
  parameters: ResumeOfferSyncParameters,
): Promise<ResumeOfferSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "resumeOffer",
    parameters,
    events: ["OfferStateChanged"],
  });
}
