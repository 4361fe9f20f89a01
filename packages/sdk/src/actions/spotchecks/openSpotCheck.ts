// A validator opens a spot check of a closed lease, quoting the provider's result hash.
import type { Address, Hash } from "viem";
import { spotChecksAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";

/** Parameters of `openSpotCheck` and `openSpotCheckSync`: the deployment's SpotChecks address, and the arguments of `SpotChecks.open` by their ABI names. */
export type OpenSpotCheckParameters = { deployment: { spotChecks: Address } } & ContractArgs<
  typeof spotChecksAbi,
  "open"
>;
/** The hash of the sent transaction. */
export type OpenSpotCheckReturnType = Hash;
/** What `openSpotCheck` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type OpenSpotCheckErrorType = WriteErrorType;

/**
 * Opens a spot check of closed lease `leaseId`, quoting the provider's `resultHash` from its LeaseCompleted event (read it with `getLeaseEvents`). The caller must be an active validator; `bond` of its stake is locked until the check ends. Calls the contract's `open`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `openSpotCheckSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { openSpotCheck, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = { ...(await loadDeployment(foundry.id)), spotChecks: "0x…" as const };
 * const hash = await openSpotCheck(client, { deployment, leaseId: 7n, resultHash: "0x…" });
 */
export async function openSpotCheck(
  client: WriteClient,
  parameters: OpenSpotCheckParameters,
): Promise<OpenSpotCheckReturnType> {
  return write(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "open",
    parameters,
  });
}

/** Parameters of `openSpotCheckSync`: those of `openSpotCheck`. */
export type OpenSpotCheckSyncParameters = OpenSpotCheckParameters;
/** The receipt and the `SpotCheckOpened` event's arguments . */
export type OpenSpotCheckSyncReturnType = WriteSyncResult<typeof spotChecksAbi, "SpotCheckOpened">;
/** What `openSpotCheckSync` throws: what `openSpotCheck` throws, `OcxTransactionRevertedError` when the transaction reverts when mined, or viem's receipt errors. */
export type OpenSpotCheckSyncErrorType = WriteSyncErrorType;

/**
 * `openSpotCheck`, then waits for the receipt and returns it with the event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { openSpotCheckSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = { ...(await loadDeployment(foundry.id)), spotChecks: "0x…" as const };
 * const { event } = await openSpotCheckSync(client, { deployment, leaseId: 7n, resultHash: "0x…" });
 * event.checkId; // 1n
 */
export async function openSpotCheckSync(
  client: WriteClient,
  parameters: OpenSpotCheckSyncParameters,
): Promise<OpenSpotCheckSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "open",
    parameters,
    events: ["SpotCheckOpened"],
  });
}
