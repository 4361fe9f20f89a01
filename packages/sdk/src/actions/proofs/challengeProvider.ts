// A validator challenges one GPU of a provider.
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
 * Parameters of `challengeProvider` and `challengeProviderSync`: the deployment, and the arguments of `ProofOfCompute.challenge` by their ABI
 * names.
 */
export type ChallengeProviderParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "challenge"
>;
/** The hash of the sent transaction. */
export type ChallengeProviderReturnType = Hash;
/**
 * What `challengeProvider` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type ChallengeProviderErrorType = WriteErrorType;

/**
 * Challenges GPU `gpuIndex` of `provider` as `model` (the offer's bytes32 label: `toLabel("nvidia-h100-80gb")`, `toLabel("cpu")`). The caller must be an active validator; `challengeBond` of its stake stays locked until the challenge ends. The seed is the hash of the block that includes this transaction.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `challengeProviderSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { challengeProvider, loadDeployment, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await challengeProvider(client, { deployment, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", model: toLabel("cpu"), gpuIndex: 0 });
 */
export async function challengeProvider(
  client: WriteClient,
  parameters: ChallengeProviderParameters,
): Promise<ChallengeProviderReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "challenge",
    parameters,
  });
}

/** Parameters of `challengeProviderSync`: those of `challengeProvider`. */
export type ChallengeProviderSyncParameters = ChallengeProviderParameters;
/** The receipt and the `ChallengeIssued` event's arguments. */
export type ChallengeProviderSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "ChallengeIssued">;
/**
 * What `challengeProviderSync` throws: what `challengeProvider` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type ChallengeProviderSyncErrorType = WriteSyncErrorType;

/**
 * `challengeProvider`, then waits for the receipt and returns it with the `ChallengeIssued` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { challengeProviderSync, loadDeployment, toLabel } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await challengeProviderSync(client, { deployment, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", model: toLabel("cpu"), gpuIndex: 0 });
 * event.id; // the challenge id, 1n for the first
 */
export async function challengeProviderSync(
  client: WriteClient,
  parameters: ChallengeProviderSyncParameters,
): Promise<ChallengeProviderSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "challenge",
    parameters,
    events: ["ChallengeIssued"],
  });
}
