// The provider posts the hashes of its chain through r.
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
 * Parameters of `postTrace` and `postTraceSync`: the deployment, and the arguments of `ProofOfCompute.postTrace` by their ABI
 * names.
 */
export type PostTraceParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "postTrace"
>;
/** The hash of the sent transaction. */
export type PostTraceReturnType = Hash;
/**
 * What `postTrace` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type PostTraceErrorType = WriteErrorType;

/**
 * Posts sha256 of v_0..v_{L+1} (@ocx/proofs `traceHashes(chainTrace(…))`) for the disputed vector of challenge `id`: L+2 hashes, the first sha256(r_t), the last sha256(y_t).
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `postTraceSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, postTrace } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await postTrace(client, { deployment, id: 1n, stepHashes: ["0x…", "0x…", "0x…", "0x…"] });
 */
export async function postTrace(client: WriteClient, parameters: PostTraceParameters): Promise<PostTraceReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "postTrace",
    parameters,
  });
}

/** Parameters of `postTraceSync`: those of `postTrace`. */
export type PostTraceSyncParameters = PostTraceParameters;
/** The receipt and the `TracePosted` event's arguments. */
export type PostTraceSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "TracePosted">;
/**
 * What `postTraceSync` throws: what `postTrace` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type PostTraceSyncErrorType = WriteSyncErrorType;

/**
 * `postTrace`, then waits for the receipt and returns it with the `TracePosted` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, postTraceSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await postTraceSync(client, { deployment, id: 1n, stepHashes: ["0x…", "0x…", "0x…", "0x…"] });
 * event.dueAt;
 */
export async function postTraceSync(
  client: WriteClient,
  parameters: PostTraceSyncParameters,
): Promise<PostTraceSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "postTrace",
    parameters,
    events: ["TracePosted"],
  });
}
