// Ends a spot check and applies its outcome: slash, bonds, the provider's record.
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

/** Parameters of `finalizeSpotCheck` and `finalizeSpotCheckSync`: the deployment's SpotChecks address, and the arguments of `SpotChecks.finalize` by their ABI names. */
export type FinalizeSpotCheckParameters = { deployment: { spotChecks: Address } } & ContractArgs<
  typeof spotChecksAbi,
  "finalize"
>;
/** The hash of the sent transaction. */
export type FinalizeSpotCheckReturnType = Hash;
/** What `finalizeSpotCheck` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type FinalizeSpotCheckErrorType = WriteErrorType;

/**
 * Ends check `checkId` once it has its quorum of votes or its window has passed (anyone may call): Valid, Invalid (the provider is slashed and the winners rewarded), Misquoted or Inconclusive, with the bonds settled. Calls the contract's `finalize`; a check whose seed did not select its lease becomes Skipped (the Sync variant then reports `eventName: "SpotCheckSkipped"`).
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `finalizeSpotCheckSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { finalizeSpotCheck, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = { ...(await loadDeployment(foundry.id)), spotChecks: "0x…" as const };
 * const hash = await finalizeSpotCheck(client, { deployment, checkId: 1n });
 */
export async function finalizeSpotCheck(
  client: WriteClient,
  parameters: FinalizeSpotCheckParameters,
): Promise<FinalizeSpotCheckReturnType> {
  return write(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "finalize",
    parameters,
  });
}

/** Parameters of `finalizeSpotCheckSync`: those of `finalizeSpotCheck`. */
export type FinalizeSpotCheckSyncParameters = FinalizeSpotCheckParameters;
/** The receipt and the `SpotCheckFinalized` event's arguments . */
export type FinalizeSpotCheckSyncReturnType = WriteSyncResult<
  typeof spotChecksAbi,
  "SpotCheckFinalized" | "SpotCheckSkipped"
>;
/** What `finalizeSpotCheckSync` throws: what `finalizeSpotCheck` throws, `OcxTransactionRevertedError` when the transaction reverts when mined, or viem's receipt errors. */
export type FinalizeSpotCheckSyncErrorType = WriteSyncErrorType;

/**
 * `finalizeSpotCheck`, then waits for the receipt and returns it with the event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { finalizeSpotCheckSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = { ...(await loadDeployment(foundry.id)), spotChecks: "0x…" as const };
 * const { eventName, event } = await finalizeSpotCheckSync(client, { deployment, checkId: 1n });
 * if (eventName === "SpotCheckFinalized") event.outcome; // CheckState.Valid, Invalid, Misquoted or Inconclusive
 */
export async function finalizeSpotCheckSync(
  client: WriteClient,
  parameters: FinalizeSpotCheckSyncParameters,
): Promise<FinalizeSpotCheckSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "finalize",
    parameters,
    events: ["SpotCheckFinalized", "SpotCheckSkipped"],
  });
}
