// What a `…Sync` action throws after its transaction was sent: a revert on chain, or a missing event.
import type { Address, Hash, TransactionReceipt } from "viem";

/**
 * A transaction passed simulation but reverted when mined (the chain's state changed in between).
 * @example
 * try {
 *   await takeOfferSync(client, { deployment, offerId: 1n, maxPricePerSecond, manifestHash, deposit });
 * } catch (error) {
 *   if (error instanceof OcxTransactionRevertedError) console.error(error.receipt.transactionHash);
 * }
 */
export class OcxTransactionRevertedError extends Error {
  override name = "OcxTransactionRevertedError";
  constructor(
    readonly functionName: string,
    readonly receipt: TransactionReceipt,
    /** The gas the transaction was given, when known: all of it used means it ran out of gas. */
    readonly gasLimit?: bigint,
  ) {
    super(
      gasLimit !== undefined && receipt.gasUsed >= gasLimit
        ? `${functionName}: transaction ${receipt.transactionHash} ran out of gas in block ${receipt.blockNumber} ` +
            `(it used all ${gasLimit} it was given, though it passed simulation): retry; if it recurs, report it`
        : `${functionName}: transaction ${receipt.transactionHash} reverted in block ${receipt.blockNumber} ` +
            "after it passed simulation; the chain changed in between: read the state again and retry",
    );
  }
}

/**
 * The contract did not log the event an action looks for: after a `…Sync` write, the deployment's address and
 * the ABI this SDK was built with do not match; in `getManifestHash`, no such lease was created.
 * @example
 * try {
 *   await postOfferSync(client, { deployment, ...terms });
 * } catch (error) {
 *   if (error instanceof OcxEventNotFoundError) console.error(error.message);
 * }
 */
export class OcxEventNotFoundError extends Error {
  override name = "OcxEventNotFoundError";
  constructor(
    readonly eventNames: readonly string[],
    readonly address: Address,
    readonly transactionHash: Hash | undefined,
    hint = "check that the deployment's addresses belong to this chain and to this SDK's version of the contracts",
  ) {
    const where = transactionHash ? ` in transaction ${transactionHash}` : "";
    super(`no ${eventNames.join(" or ")} event from ${address}${where}: ${hint}`);
  }
}
