// A provider's acknowledgement of several new leases in one transaction.
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
 * Parameters of `acknowledgeLeases` and `acknowledgeLeasesSync`: the deployment, and the arguments of
 * `Marketplace.acknowledgeMany` by their ABI names (`leaseIds`).
 */
export type AcknowledgeLeasesParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "acknowledgeMany"
>;
/** The hash of the sent transaction. */
export type AcknowledgeLeasesReturnType = Hash;
/**
 * What `acknowledgeLeases` throws: `OcxContractError` for a revert found in simulation (nothing is sent; the error
 * names the first lease that cannot be acknowledged), or viem's errors.
 */
export type AcknowledgeLeasesErrorType = WriteErrorType;

/**
 * The provider acknowledges every pending lease in `leaseIds` in one transaction, all or none; payment of each
 * accrues from this block. Calls the contract's `acknowledgeMany`. An empty list throws
 * `OcxContractError` `MarketplaceEmptyBatch`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `acknowledgeLeasesSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { acknowledgeLeases, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await acknowledgeLeases(client, { deployment, leaseIds: [1n, 2n, 3n] });
 */
export async function acknowledgeLeases(
  client: WriteClient,
  parameters: AcknowledgeLeasesParameters,
): Promise<AcknowledgeLeasesReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "acknowledgeMany",
    parameters,
  });
}

/** Parameters of `acknowledgeLeasesSync`: those of `acknowledgeLeases`. */
export type AcknowledgeLeasesSyncParameters = AcknowledgeLeasesParameters;
/** The receipt and every `LeaseAcknowledged` event's arguments, in the order of `leaseIds`. */
export interface AcknowledgeLeasesSyncReturnType {
  receipt: TransactionReceipt;
  events: EventArgs<typeof marketplaceAbi, "LeaseAcknowledged">[];
}
/**
 * What `acknowledgeLeasesSync` throws: what `acknowledgeLeases` throws, `OcxTransactionRevertedError` when the
 * transaction reverts when mined, or viem's receipt errors.
 */
export type AcknowledgeLeasesSyncErrorType = WriteSyncErrorType;

/**
 * `acknowledgeLeases`, then waits for the receipt and returns it with every `LeaseAcknowledged` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { acknowledgeLeasesSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { events } = await acknowledgeLeasesSync(client, { deployment, leaseIds: [1n, 2n] });
 * events.map((e) => e.leaseId); // [1n, 2n]
 */
export async function acknowledgeLeasesSync(
  client: WriteClient,
  parameters: AcknowledgeLeasesSyncParameters,
): Promise<AcknowledgeLeasesSyncReturnType> {
  const hash = await acknowledgeLeases(client, parameters);
  const receipt = await getAction(client, waitForTransactionReceipt, "waitForTransactionReceipt")({ hash });
  if (receipt.status !== "success") throw new OcxTransactionRevertedError("acknowledgeMany", receipt);
  const events = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "LeaseAcknowledged" })
    .filter((log) => isAddressEqual(log.address, parameters.deployment.marketplace))
    .map((log) => log.args);
  return { receipt, events };
}
