// The provider's end of a lease, with the job's result and the second its workload ended.
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
 * Parameters of `completeLease` and `completeLeaseSync`: the deployment, and the arguments of `Marketplace.complete`
 * by their ABI names.
 */
export type CompleteLeaseParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "complete"
>;
/** The hash of the sent transaction. */
export type CompleteLeaseReturnType = Hash;
/**
 * What `completeLease` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type CompleteLeaseErrorType = WriteErrorType;

/**
 * The provider completes active lease `leaseId` with the hash of its result, the job's exit code and `endedAt`, the
 * unix second its workload exited: the lease settles at `endedAt`, clamped to [its last settlement, this block's
 * time] (the provider can only claim less), so packing results and waiting for the transaction are never billed;
 * the rest of the escrow is refunded to the buyer. Calls the contract's `complete`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `completeLeaseSync` waits.
 * @example
 * import { createWalletClient, http, keccak256, stringToHex } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { completeLease, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await completeLease(client, {
 *   deployment,
 *   leaseId: 1n,
 *   resultHash: keccak256(stringToHex("result")),
 *   exitCode: 0,
 *   endedAt: BigInt(Math.floor(Date.now() / 1000)), // when the workload exited
 * });
 */
export async function completeLease(
  client: WriteClient,
  parameters: CompleteLeaseParameters,
): Promise<CompleteLeaseReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "complete",
    parameters,
  });
}

/** Parameters of `completeLeaseSync`: those of `completeLease`. */
export type CompleteLeaseSyncParameters = CompleteLeaseParameters;
/** The receipt and the `LeaseCompleted` event's arguments. */
export type CompleteLeaseSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "LeaseCompleted">;
/**
 * What `completeLeaseSync` throws: what `completeLease` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type CompleteLeaseSyncErrorType = WriteSyncErrorType;

/**
 * `completeLease`, then waits for the receipt and returns it with the `LeaseCompleted` event's arguments.
 * @example
 * import { createWalletClient, http, keccak256, stringToHex } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { completeLeaseSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await completeLeaseSync(client, {
 *   deployment,
 *   leaseId: 1n,
 *   resultHash: keccak256(stringToHex("result")),
 *   exitCode: 0,
 *   endedAt: 1767225600n,
 * });
 * event.exitCode; // 0n
 */
export async function completeLeaseSync(
  client: WriteClient,
  parameters: CompleteLeaseSyncParameters,
): Promise<CompleteLeaseSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "complete",
    parameters,
    events: ["LeaseCompleted"],
  });
}
