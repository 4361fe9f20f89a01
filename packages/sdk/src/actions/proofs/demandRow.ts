// The validator demands one audited row of a challenge on-chain.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { proofOfComputeAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { proofOfComputeAddress } from "./address.js";

/**
 * Parameters of `demandRow` and `demandRowSync`: the deployment, and the arguments of `ProofOfCompute.demandRow` by their ABI
 * names.
 */
export type DemandRowParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "demandRow"
>;
/** The hash of the sent transaction. */
export type DemandRowReturnType = Hash;
/**
 * What `demandRow` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type DemandRowErrorType = WriteErrorType;

/**
 * Demands audited row `row` of challenge `id` (its opening was missing or wrong off-chain). The provider must reveal it with `revealRow` within `responseWindow`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `demandRowSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { demandRow, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await demandRow(client, { deployment, id: 1n, row: 17 });
 */
export async function demandRow(client: WriteClient, parameters: DemandRowParameters): Promise<DemandRowReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "demandRow",
    parameters,
  });
}

/** Parameters of `demandRowSync`: those of `demandRow`. */
export type DemandRowSyncParameters = DemandRowParameters;
/** The receipt and the `RowDemanded` event's arguments. */
export type DemandRowSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "RowDemanded">;
/**
 * What `demandRowSync` throws: what `demandRow` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type DemandRowSyncErrorType = WriteSyncErrorType;

/**
 * `demandRow`, then waits for the receipt and returns it with the `RowDemanded` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { demandRowSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await demandRowSync(client, { deployment, id: 1n, row: 17 });
 * event.dueAt;
 */
export async function demandRowSync(
  client: WriteClient,
  parameters: DemandRowSyncParameters,
): Promise<DemandRowSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "demandRow",
    parameters,
    events: ["RowDemanded"],
  });
}
