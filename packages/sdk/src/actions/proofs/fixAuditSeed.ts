// Stores a challenge's audit seed (its commit block's hash) and audit id on-chain.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { proofOfComputeAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResultOrNone,
  write,
  writeSync,
} from "../internal/contract.js";
import { proofOfComputeAddress } from "./address.js";

/**
 * Parameters of `fixAuditSeed` and `fixAuditSeedSync`: the deployment, and the arguments of `ProofOfCompute.fixAuditSeed` by their ABI
 * names.
 */
export type FixAuditSeedParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "fixAuditSeed"
>;
/** The hash of the sent transaction. */
export type FixAuditSeedReturnType = Hash;
/**
 * What `fixAuditSeed` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type FixAuditSeedErrorType = WriteErrorType;

/**
 * Stores challenge `id`'s audit seed (the hash of its commit block) and its audit id. Anyone may call it from the block after the commit, within 256 blocks; it does nothing when already stored (`respondChallenge` also stores it).
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `fixAuditSeedSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { fixAuditSeed, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await fixAuditSeed(client, { deployment, id: 1n });
 */
export async function fixAuditSeed(
  client: WriteClient,
  parameters: FixAuditSeedParameters,
): Promise<FixAuditSeedReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    simulateOnPending: true,
    functionName: "fixAuditSeed",
    parameters,
  });
}

/** Parameters of `fixAuditSeedSync`: those of `fixAuditSeed`. */
export type FixAuditSeedSyncParameters = FixAuditSeedParameters;
/** The receipt and the `AuditSeedFixed` event's arguments, or no event. */
export type FixAuditSeedSyncReturnType = WriteSyncResultOrNone<typeof proofOfComputeAbi, "AuditSeedFixed">;
/**
 * What `fixAuditSeedSync` throws: what `fixAuditSeed` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type FixAuditSeedSyncErrorType = WriteSyncErrorType;

/**
 * `fixAuditSeed`, then waits for the receipt and returns it with the `AuditSeedFixed` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { fixAuditSeedSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await fixAuditSeedSync(client, { deployment, id: 1n });
 * event?.auditId; // the packages/proofs Audit.id
 */
export async function fixAuditSeedSync(
  client: WriteClient,
  parameters: FixAuditSeedSyncParameters,
): Promise<FixAuditSeedSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    simulateOnPending: true,
    functionName: "fixAuditSeed",
    parameters,
    events: ["AuditSeedFixed"],
    optional: true,
  });
}
