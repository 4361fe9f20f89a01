// The challenging validator attests a challenge it verified off-chain.
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
 * Parameters of `attestChallenge` and `attestChallengeSync`: the deployment, and the arguments of `ProofOfCompute.attest` by their ABI
 * names.
 */
export type AttestChallengeParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "attest"
>;
/** The hash of the sent transaction. */
export type AttestChallengeReturnType = Hash;
/**
 * What `attestChallenge` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type AttestChallengeErrorType = WriteErrorType;

/**
 * Attests challenge `id` with `score` (expectedMs·10,000/elapsedMs) after verifying the opening off-chain (@ocx/proofs `verifyOpening`); releases the bond and marks the GPU verified until the attestation expires.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `attestChallengeSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { attestChallenge, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await attestChallenge(client, { deployment, id: 1n, score: 10_000 });
 */
export async function attestChallenge(
  client: WriteClient,
  parameters: AttestChallengeParameters,
): Promise<AttestChallengeReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "attest",
    parameters,
  });
}

/** Parameters of `attestChallengeSync`: those of `attestChallenge`. */
export type AttestChallengeSyncParameters = AttestChallengeParameters;
/** The receipt and the `Attested` event's arguments. */
export type AttestChallengeSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "Attested">;
/**
 * What `attestChallengeSync` throws: what `attestChallenge` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type AttestChallengeSyncErrorType = WriteSyncErrorType;

/**
 * `attestChallenge`, then waits for the receipt and returns it with the `Attested` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { attestChallengeSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await attestChallengeSync(client, { deployment, id: 1n, score: 10_000 });
 * event.expiresAt; // unix seconds
 */
export async function attestChallengeSync(
  client: WriteClient,
  parameters: AttestChallengeSyncParameters,
): Promise<AttestChallengeSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "attest",
    parameters,
    events: ["Attested"],
  });
}
