// A provider's acknowledgement of a new lease, which starts its payment.
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
 * Parameters of `acknowledgeLease` and `acknowledgeLeaseSync`: the deployment, and the arguments of
 * `Marketplace.acknowledge` by their ABI names.
 */
export type AcknowledgeLeaseParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "acknowledge"
>;
/** The hash of the sent transaction. */
export type AcknowledgeLeaseReturnType = Hash;
/**
 * What `acknowledgeLease` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type AcknowledgeLeaseErrorType = WriteErrorType;

/**
 * The provider acknowledges pending lease `leaseId` before its deadline; payment accrues from this block.
 * Calls the contract's `acknowledge`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `acknowledgeLeaseSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { acknowledgeLease, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await acknowledgeLease(client, { deployment, leaseId: 1n });
 */
export async function acknowledgeLease(
  client: WriteClient,
  parameters: AcknowledgeLeaseParameters,
): Promise<AcknowledgeLeaseReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "acknowledge",
    parameters,
  });
}

/** Parameters of `acknowledgeLeaseSync`: those of `acknowledgeLease`. */
export type AcknowledgeLeaseSyncParameters = AcknowledgeLeaseParameters;
/** The receipt and the `LeaseAcknowledged` event's arguments. */
export type AcknowledgeLeaseSyncReturnType = WriteSyncResult<typeof marketplaceAbi, "LeaseAcknowledged">;
/**
 * What `acknowledgeLeaseSync` throws: what `acknowledgeLease` throws, `OcxTransactionRevertedError` when the
 * transaction reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type AcknowledgeLeaseSyncErrorType = WriteSyncErrorType;

/**
 * `acknowledgeLease`, then waits for the receipt and returns it with the `LeaseAcknowledged` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { acknowledgeLeaseSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await acknowledgeLeaseSync(client, { deployment, leaseId: 1n });
 * event.startedAt; // 1767225600n
 */
export async function acknowledgeLeaseSync(
  client: WriteClient,
  parameters: AcknowledgeLeaseSyncParameters,
): Promise<AcknowledgeLeaseSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "acknowledge",
    parameters,
    events: ["LeaseAcknowledged"],
  });
}
