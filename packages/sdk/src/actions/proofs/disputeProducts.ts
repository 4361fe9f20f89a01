// The validator disputes one product vector y_t of a challenge.
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
 * Parameters of `disputeProducts` and `disputeProductsSync`: the deployment, and the arguments of `ProofOfCompute.disputeProducts` by their ABI
 * names.
 */
export type DisputeProductsParameters = { deployment: Pick<Deployment, "proofOfCompute"> } & ContractArgs<
  typeof proofOfComputeAbi,
  "disputeProducts"
>;
/** The hash of the sent transaction. */
export type DisputeProductsReturnType = Hash;
/**
 * What `disputeProducts` throws: `DeploymentError` when the deployment has no ProofOfCompute, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type DisputeProductsErrorType = WriteErrorType;

/**
 * Disputes product y_t (0-based `t`) of challenge `id`; the provider must post its trace with `postTrace` within `responseWindow`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `disputeProductsSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { disputeProducts, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await disputeProducts(client, { deployment, id: 1n, t: 0 });
 */
export async function disputeProducts(
  client: WriteClient,
  parameters: DisputeProductsParameters,
): Promise<DisputeProductsReturnType> {
  return write(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "disputeProducts",
    parameters,
  });
}

/** Parameters of `disputeProductsSync`: those of `disputeProducts`. */
export type DisputeProductsSyncParameters = DisputeProductsParameters;
/** The receipt and the `ProductsDisputed` event's arguments. */
export type DisputeProductsSyncReturnType = WriteSyncResult<typeof proofOfComputeAbi, "ProductsDisputed">;
/**
 * What `disputeProductsSync` throws: what `disputeProducts` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type DisputeProductsSyncErrorType = WriteSyncErrorType;

/**
 * `disputeProducts`, then waits for the receipt and returns it with the `ProductsDisputed` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { disputeProductsSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_VALIDATOR_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await disputeProductsSync(client, { deployment, id: 1n, t: 0 });
 * event.dueAt;
 */
export async function disputeProductsSync(
  client: WriteClient,
  parameters: DisputeProductsSyncParameters,
): Promise<DisputeProductsSyncReturnType> {
  return writeSync(client, {
    address: proofOfComputeAddress(parameters.deployment),
    abi: proofOfComputeAbi,
    functionName: "disputeProducts",
    parameters,
    events: ["ProductsDisputed"],
  });
}
