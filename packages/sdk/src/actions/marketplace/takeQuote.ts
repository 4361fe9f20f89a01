// Takes a provider's signed quote: the buyer's one-transaction way to an already-acknowledged lease.
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
 * Parameters of `takeQuote` and `takeQuoteSync`: the deployment, and the arguments of `Marketplace.takeQuote` by
 * their ABI names.
 */
export type TakeQuoteParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "takeQuote"
>;
/** The hash of the sent transaction. */
export type TakeQuoteReturnType = Hash;
/**
 * What `takeQuote` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors.
 */
export type TakeQuoteErrorType = WriteErrorType;

/**
 * Takes a provider's signed quote (`signQuote`; the provider's API answers `POST /quotes` with one): the marketplace
 * checks the signature against the provider's registered `apiSigner`, the expiry, the nonce (once per provider), that
 * the account is the quote's buyer, and the offer's capacity and durations; pulls `deposit` from the account into
 * escrow and creates a lease that is already acknowledged: Active, paying from this block, no acknowledgement to
 * wait for. Calls the contract's `takeQuote`. Approve the deposit first (`ensureAllowance`). An expired quote throws
 * `OcxContractError` `MarketplaceQuoteExpired(expiry, now)`; a used nonce `MarketplaceQuoteNonceUsed(provider, nonce)`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `takeQuoteSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, type Quote, takeQuote } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * declare const quote: Quote; // from the provider's POST /quotes
 * declare const signature: `0x${string}`;
 * const hash = await takeQuote(client, { deployment, quote, signature, deposit: parseEther("3.6") });
 */
export async function takeQuote(client: WriteClient, parameters: TakeQuoteParameters): Promise<TakeQuoteReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "takeQuote",
    parameters,
  });
}

/** Parameters of `takeQuoteSync`: those of `takeQuote`. */
export type TakeQuoteSyncParameters = TakeQuoteParameters;
/** The receipt and the `LeaseCreated` event's arguments: `event.leaseId` is the new lease. */
export type TakeQuoteSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "LeaseCreated">;
/**
 * What `takeQuoteSync` throws: what `takeQuote` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type TakeQuoteSyncErrorType = WriteSyncErrorType;

/**
 * `takeQuote`, then waits for the receipt and returns it with the `LeaseCreated` event's arguments: `event.leaseId`
 * is the new lease, and `event.ackDeadline` is 0 (already acknowledged).
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, type Quote, takeQuoteSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * declare const quote: Quote;
 * declare const signature: `0x${string}`;
 * const { event } = await takeQuoteSync(client, { deployment, quote, signature, deposit: parseEther("3.6") });
 * event.leaseId; // 1n
 */
export async function takeQuoteSync(
  client: WriteClient,
  parameters: TakeQuoteSyncParameters,
): Promise<TakeQuoteSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "takeQuote",
    parameters,
    events: ["LeaseCreated"],
  });
}
