// The provider posts its products y_1‖…‖y_t on-chain.
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
 * Parameters of `respondChallenge` and `respondChallengeSync`: the deployment, and the arguments of `ProofOfCompute.respond` by their ABI
 * names.
 */
export type RespondChallengeParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "respond"
>;
/** The hash of the sent transaction. */
export type RespondChallengeReturnType = Hash;
/**
 * What `respondChallenge` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type RespondChallengeErrorType = WriteErrorType;

/**
 * Posts the products y_1‖…‖y_t (t·n residues mod 127, the concatenated `opening.products`) for challenge `id`, within `responseWindow` of the commit. Only the challenged provider may call it.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `respondChallengeSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, respondChallenge } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await respondChallenge(client, { deployment, id: 1n, products: "0x…" });
 */
export async function respondChallenge(
  client: WriteClient,
  parameters: RespondChallengeParameters,
): Promise<RespondChallengeReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    simulateOnPending: true,
    functionName: "respond",
    parameters,
  });
}

/** Parameters of `respondChallengeSync`: those of `respondChallenge`. */
export type RespondChallengeSyncParameters = RespondChallengeParameters;
/** The receipt and the `ChallengeResponded` event's arguments. */
export type RespondChallengeSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "ChallengeResponded">;
/**
 * What `respondChallengeSync` throws: what `respondChallenge` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type RespondChallengeSyncErrorType = WriteSyncErrorType;

/**
 * `respondChallenge`, then waits for the receipt and returns it with the `ChallengeResponded` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, respondChallengeSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await respondChallengeSync(client, { deployment, id: 1n, products: "0x…" });
 * event.productsHash;
 */
export async function respondChallengeSync(
  client: WriteClient,
  parameters: RespondChallengeSyncParameters,
): Promise<RespondChallengeSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    simulateOnPending: true,
    functionName: "respond",
    parameters,
    events: ["ChallengeResponded"],
  });
}
