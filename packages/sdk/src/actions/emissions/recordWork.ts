// Emissions.recordWork: Counts a lease’s paid seconds since they were last counted (settling an active lease first), times its GPUs, for its provider in the running epoch, if the provider holds a current attestation now.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { emissionsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { emissionsAddress } from "./address.js";

/** Parameters of `recordWork` and `recordWorkSync`: the deployment, and the arguments of `Emissions.recordWork` by their ABI names. */
export type RecordWorkParameters = { deployment: Pick<Deployment, "emissions"> } & ContractArgs<
  typeof emissionsAbi,
  "recordWork"
>;
/** The hash of the sent transaction. */
export type RecordWorkReturnType = Hash;
/**
 * What `recordWork` throws: `DeploymentError` when the deployment has no Emissions, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type RecordWorkErrorType = WriteErrorType;

/**
 * Counts a lease’s paid seconds since they were last counted (settling an active lease first), times its GPUs, for its provider in the running epoch, if the provider holds a current attestation now. Anyone may call it; call it right after acknowledging (the first call sets the starting point) and before each epoch ends.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `recordWorkSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { recordWork, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await recordWork(client, { deployment, leaseId: 1n });
 */
export async function recordWork(client: WriteClient, parameters: RecordWorkParameters): Promise<RecordWorkReturnType> {
  return write(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "recordWork",
    parameters,
  });
}

/** Parameters of `recordWorkSync`: those of `recordWork`. */
export type RecordWorkSyncParameters = RecordWorkParameters;
/** The receipt and the `WorkRecorded` event's arguments. */
export type RecordWorkSyncReturnType = WriteSyncResult<typeof emissionsAbi, "WorkRecorded">;
/**
 * What `recordWorkSync` throws: what `recordWork` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type RecordWorkSyncErrorType = WriteSyncErrorType;

/**
 * `recordWork`, then waits for the receipt and returns it with the `WorkRecorded` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { recordWorkSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await recordWorkSync(client, { deployment, leaseId: 1n });
 * event.units;
 */
export async function recordWorkSync(
  client: WriteClient,
  parameters: RecordWorkSyncParameters,
): Promise<RecordWorkSyncReturnType> {
  return writeSync(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "recordWork",
    parameters,
    events: ["WorkRecorded"],
  });
}
