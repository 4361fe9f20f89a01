// Burns the protocol's accumulated fees, or sends them to the fee sink.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResultOrNone,
  write,
  writeSync,
} from "../internal/contract.js";

/**
 * Parameters of `flushFees` and `flushFeesSync`: the deployment, and the arguments of `Marketplace.flushFees` by
 * their ABI names.
 */
export type FlushFeesParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "flushFees"
>;
/** The hash of the sent transaction. */
export type FlushFeesReturnType = Hash;
/**
 * What `flushFees` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors.
 */
export type FlushFeesErrorType = WriteErrorType;

/**
 * Burns the accumulated protocol fees, or sends them to the fee sink when one is set. Anyone may call it.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `flushFeesSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { flushFees, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await flushFees(client, { deployment });
 */
export async function flushFees(client: WriteClient, parameters: FlushFeesParameters): Promise<FlushFeesReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "flushFees",
    parameters,
  });
}

/** Parameters of `flushFeesSync`: those of `flushFees`. */
export type FlushFeesSyncParameters = FlushFeesParameters;
/**
 * The receipt and the `FeesFlushed` event's arguments, or `undefined` event and `eventName` when no fees were
 * pending.
 */
export type FlushFeesSyncReturnType = WriteSyncResultOrNone<typeof marketplaceAbi, "FeesFlushed">;
/**
 * What `flushFeesSync` throws: what `flushFees` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type FlushFeesSyncErrorType = WriteSyncErrorType;

/**
 * `flushFees`, then waits for the receipt and returns it with the `FeesFlushed` event's arguments, or `undefined`
 * event and `eventName` when no fees were pending.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { flushFeesSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await flushFeesSync(client, { deployment });
 * event?.amount; // the fees flushed
 */
export async function flushFeesSync(
  client: WriteClient,
  parameters: FlushFeesSyncParameters,
): Promise<FlushFeesSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "flushFees",
    parameters,
    events: ["FeesFlushed"],
    optional: true,
  });
}
