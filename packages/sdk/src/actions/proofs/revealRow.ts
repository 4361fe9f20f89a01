// The provider reveals a demanded row with its Merkle proof.
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
 * Parameters of `revealRow` and `revealRowSync`: the deployment, and the arguments of `ProofOfCompute.revealRow` by their ABI
 * names.
 */
export type RevealRowParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "revealRow"
>;
/** The hash of the sent transaction. */
export type RevealRowReturnType = Hash;
/**
 * What `revealRow` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type RevealRowErrorType = WriteErrorType;

/**
 * Reveals demanded row `row` of challenge `id` with its Merkle proof. The contract checks row·r_t against every posted y_t[row]: a mismatch slashes the provider ("row-inconsistent"), agreement dismisses the accusation and pays the provider the validator's bond.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `revealRowSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, revealRow } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await revealRow(client, { deployment, id: 1n, row: 17, values: "0x…", proof: ["0x…"] });
 */
export async function revealRow(client: WriteClient, parameters: RevealRowParameters): Promise<RevealRowReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "revealRow",
    parameters,
  });
}

/** Parameters of `revealRowSync`: those of `revealRow`. */
export type RevealRowSyncParameters = RevealRowParameters;
/** The receipt and the `ChallengeFaulted` or `AccusationFailed` event's arguments. */
export type RevealRowSyncReturnType = WriteSyncResult<
  typeof proofOfComputeAbi,
  "ChallengeFaulted" | "AccusationFailed"
>;
/**
 * What `revealRowSync` throws: what `revealRow` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type RevealRowSyncErrorType = WriteSyncErrorType;

/**
 * `revealRow`, then waits for the receipt and returns it with the `ChallengeFaulted` or `AccusationFailed` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, revealRowSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { eventName } = await revealRowSync(client, { deployment, id: 1n, row: 17, values: "0x…", proof: ["0x…"] });
 * eventName; // "AccusationFailed" for an honest provider
 */
export async function revealRowSync(
  client: WriteClient,
  parameters: RevealRowSyncParameters,
): Promise<RevealRowSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "revealRow",
    parameters,
    events: ["ChallengeFaulted", "AccusationFailed"],
  });
}
