// A provider's completion of several leases in one transaction, each at the second its workload ended.
import { type Hash, isAddressEqual, parseEventLogs, type TransactionReceipt } from "viem";
import { waitForTransactionReceipt } from "viem/actions";
import { getAction } from "viem/utils";
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import { OcxTransactionRevertedError } from "../errors.js";
import {
  type ContractArgs,
  type EventArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  write,
} from "../internal/contract.js";

/**
 * Parameters of `completeLeases` and `completeLeasesSync`: the deployment, and the arguments of
 * `Marketplace.completeMany` by their ABI names (`completions`: `{ leaseId, resultHash, exitCode, endedAt }[]`).
 */
export type CompleteLeasesParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "completeMany"
>;
/** The hash of the sent transaction. */
export type CompleteLeasesReturnType = Hash;
/**
 * What `completeLeases` throws: `OcxContractError` for a revert found in simulation (nothing is sent; the error names
 * the first lease that cannot be completed), or viem's errors.
 */
export type CompleteLeasesErrorType = WriteErrorType;

/**
 * The provider completes every active lease in `completions` in one transaction, all or none. Each settles at its
 * `endedAt` (unix seconds the workload exited), clamped to [its last settlement, this block's time], and the rest of
 * its escrow goes back to its buyer. Calls the contract's `completeMany`; the provider's earnings are written once.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `completeLeasesSync` waits.
 * @example
 * import { createWalletClient, http, keccak256, stringToHex } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { completeLeases, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await completeLeases(client, {
 *   deployment,
 *   completions: [
 *     { leaseId: 1n, resultHash: keccak256(stringToHex("a")), exitCode: 0, endedAt: 1767225600n },
 *     { leaseId: 2n, resultHash: keccak256(stringToHex("b")), exitCode: 1, endedAt: 1767225612n },
 *   ],
 * });
 */
export async function completeLeases(
  client: WriteClient,
  parameters: CompleteLeasesParameters,
): Promise<CompleteLeasesReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "completeMany",
    parameters,
  });
}

/** Parameters of `completeLeasesSync`: those of `completeLeases`. */
export type CompleteLeasesSyncParameters = CompleteLeasesParameters;
/** The receipt and every `LeaseCompleted` event's arguments, in the order of `completions`. */
export interface CompleteLeasesSyncReturnType {
  receipt: TransactionReceipt;
  events: EventArgs<typeof marketplaceAbi, "LeaseCompleted">[];
}
/**
 * What `completeLeasesSync` throws: what `completeLeases` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined, or viem's receipt errors.
 */
export type CompleteLeasesSyncErrorType = WriteSyncErrorType;

/**
 * `completeLeases`, then waits for the receipt and returns it with every `LeaseCompleted` event's arguments.
 * @example
 * import { createWalletClient, http, keccak256, stringToHex } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { completeLeasesSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { events } = await completeLeasesSync(client, {
 *   deployment,
 *   completions: [{ leaseId: 1n, resultHash: keccak256(stringToHex("a")), exitCode: 0, endedAt: 1767225600n }],
 * });
 * events[0].exitCode; // 0n
 */
export async function completeLeasesSync(
  client: WriteClient,
  parameters: CompleteLeasesSyncParameters,
): Promise<CompleteLeasesSyncReturnType> {
  const hash = await completeLeases(client, parameters);
  const receipt = await getAction(client, waitForTransactionReceipt, "waitForTransactionReceipt")({ hash });
  if (receipt.status !== "success") throw new OcxTransactionRevertedError("completeMany", receipt);
  const events = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "LeaseCompleted" })
    .filter((log) => isAddressEqual(log.address, parameters.deployment.marketplace))
    .map((log) => log.args);
  return { receipt, events };
}
