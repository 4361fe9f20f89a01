// A re-executor submits its result hash to a spot check.
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

/** Parameters of `submitSpotCheck` and `submitSpotCheckSync`: the deployment's SpotChecks address, and the arguments of `SpotChecks.submit` by their ABI names. */
export type SubmitSpotCheckParameters = { deployment: { spotChecks: Address } } & ContractArgs<
  typeof spotChecksAbi,
  "submit"
>;
/** The hash of the sent transaction. */
export type SubmitSpotCheckReturnType = Hash;
/** What `submitSpotCheck` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type SubmitSpotCheckErrorType = WriteErrorType;

/**
 * Submits the caller's re-executed result hash for check `checkId` (or `QUOTE_WRONG`, 0xff…ff, when the opener's quote differs from the LeaseCompleted event), locking `bond` of its stake. A vote other than the provider's hash escalates the quorum. Calls the contract's `submit`; when the check's seed did not select its lease, the call marks it Skipped instead (the Sync variant then reports `eventName: "SpotCheckSkipped"`).
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `submitSpotCheckSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { submitSpotCheck, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = { ...(await loadDeployment(foundry.id)), spotChecks: "0x…" as const };
 * const hash = await submitSpotCheck(client, { deployment, checkId: 1n, resultHash: "0x…" });
 */
export async function submitSpotCheck(
  client: WriteClient,
  parameters: SubmitSpotCheckParameters,
): Promise<SubmitSpotCheckReturnType> {
  return write(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "submit",
    parameters,
  });
}

/** Parameters of `submitSpotCheckSync`: those of `submitSpotCheck`. */
export type SubmitSpotCheckSyncParameters = SubmitSpotCheckParameters;
/** The receipt and the `SpotCheckSubmitted` event's arguments . */
export type SubmitSpotCheckSyncReturnType = WriteSyncResult<
  typeof spotChecksAbi,
  "SpotCheckSubmitted" | "SpotCheckSkipped"
>;
/** What `submitSpotCheckSync` throws: what `submitSpotCheck` throws, `OcxTransactionRevertedError` when the transaction reverts when mined, or viem's receipt errors. */
export type SubmitSpotCheckSyncErrorType = WriteSyncErrorType;

/**
 * `submitSpotCheck`, then waits for the receipt and returns it with the event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { submitSpotCheckSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = { ...(await loadDeployment(foundry.id)), spotChecks: "0x…" as const };
 * const { eventName, event } = await submitSpotCheckSync(client, { deployment, checkId: 1n, resultHash: "0x…" });
 * if (eventName === "SpotCheckSubmitted") event.agrees; // true when the re-execution matched the provider's result
 */
export async function submitSpotCheckSync(
  client: WriteClient,
  parameters: SubmitSpotCheckSyncParameters,
): Promise<SubmitSpotCheckSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "submit",
    parameters,
    events: ["SpotCheckSubmitted", "SpotCheckSkipped"],
  });
}
