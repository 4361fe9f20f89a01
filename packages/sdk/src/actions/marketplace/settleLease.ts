// Settles a lease's payment up to now.
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
 * Parameters of `settleLease` and `settleLeaseSync`: the deployment, and the arguments of `Marketplace.settle` by
 * their ABI names.
 */
export type SettleLeaseParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "settle"
>;
/** The hash of the sent transaction. */
export type SettleLeaseReturnType = Hash;
/**
 * What `settleLease` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's
 * errors.
 */
export type SettleLeaseErrorType = WriteErrorType;

/**
 * Settles active lease `leaseId` up to this block; anyone may. A lease whose escrow ran out is closed.
 * Calls the contract's `settle`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `settleLeaseSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, settleLease } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await settleLease(client, { deployment, leaseId: 1n });
 */
export async function settleLease(
  client: WriteClient,
  parameters: SettleLeaseParameters,
): Promise<SettleLeaseReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "settle",
    parameters,
  });
}

/** Parameters of `settleLeaseSync`: those of `settleLease`. */
export type SettleLeaseSyncParameters = SettleLeaseParameters;
/**
 * The receipt and the `LeaseSettled` event's arguments, or `undefined` event and `eventName` when nothing was owed
 * since the last settlement.
 */
export type SettleLeaseSyncReturnType = WriteSyncResultOrNone<typeof marketplaceAbi, "LeaseSettled">;
/**
 * What `settleLeaseSync` throws: what `settleLease` throws, `OcxTransactionRevertedError` when the transaction
 * reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type SettleLeaseSyncErrorType = WriteSyncErrorType;

/**
 * `settleLease`, then waits for the receipt and returns it with the `LeaseSettled` event's arguments, or `undefined`
 * event and `eventName` when nothing was owed since the last settlement.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, settleLeaseSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await settleLeaseSync(client, { deployment, leaseId: 1n });
 * event?.paid; // 600000000000000000n
 */
export async function settleLeaseSync(
  client: WriteClient,
  parameters: SettleLeaseSyncParameters,
): Promise<SettleLeaseSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "settle",
    parameters,
    events: ["LeaseSettled"],
    optional: true,
  });
}
