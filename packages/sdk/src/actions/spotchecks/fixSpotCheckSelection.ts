// Learns whether a spot check's seed selected its lease.
import type { Address, Hash } from "viem";
import { spotChecksAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResultOrNone,
  write,
  writeSync,
} from "../internal/contract.js";

/** Parameters of `fixSpotCheckSelection` and `fixSpotCheckSelectionSync`: the deployment's SpotChecks address, and the arguments of `SpotChecks.fixSelection` by their ABI names. */
export type FixSpotCheckSelectionParameters = { deployment: { spotChecks: Address } } & ContractArgs<
  typeof spotChecksAbi,
  "fixSelection"
>;
/** The hash of the sent transaction. */
export type FixSpotCheckSelectionReturnType = Hash;
/** What `fixSpotCheckSelection` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type FixSpotCheckSelectionErrorType = WriteErrorType;

/**
 * Decides whether check `checkId`'s seed (the opening block's hash) selected its lease, from the block after the opening (anyone may call). A lease not selected is Skipped and the opener's bond released. Calls the contract's `fixSelection`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `fixSpotCheckSelectionSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { fixSpotCheckSelection, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = { ...(await loadDeployment(foundry.id)), spotChecks: "0x…" as const };
 * const hash = await fixSpotCheckSelection(client, { deployment, checkId: 1n });
 */
export async function fixSpotCheckSelection(
  client: WriteClient,
  parameters: FixSpotCheckSelectionParameters,
): Promise<FixSpotCheckSelectionReturnType> {
  return write(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "fixSelection",
    parameters,
  });
}

/** Parameters of `fixSpotCheckSelectionSync`: those of `fixSpotCheckSelection`. */
export type FixSpotCheckSelectionSyncParameters = FixSpotCheckSelectionParameters;
/** The receipt and the `SpotCheckSkipped` event's arguments (none when it was not emitted). */
export type FixSpotCheckSelectionSyncReturnType = WriteSyncResultOrNone<typeof spotChecksAbi, "SpotCheckSkipped">;
/** What `fixSpotCheckSelectionSync` throws: what `fixSpotCheckSelection` throws, `OcxTransactionRevertedError` when the transaction reverts when mined, or viem's receipt errors. */
export type FixSpotCheckSelectionSyncErrorType = WriteSyncErrorType;

/**
 * `fixSpotCheckSelection`, then waits for the receipt and returns it with the event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { fixSpotCheckSelectionSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = { ...(await loadDeployment(foundry.id)), spotChecks: "0x…" as const };
 * const { event } = await fixSpotCheckSelectionSync(client, { deployment, checkId: 1n });
 * event === undefined; // selected: re-execute it
 */
export async function fixSpotCheckSelectionSync(
  client: WriteClient,
  parameters: FixSpotCheckSelectionSyncParameters,
): Promise<FixSpotCheckSelectionSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.spotChecks,
    abi: spotChecksAbi,
    functionName: "fixSelection",
    parameters,
    events: ["SpotCheckSkipped"],
    optional: true,
  });
}
