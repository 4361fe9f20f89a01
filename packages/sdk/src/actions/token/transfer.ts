// Sends OCX, or another token of the deployment (credits), to another account.
import type { Address, Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { ocxTokenAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";

/**
 * Parameters of `transfer` and `transferSync`: the deployment, and the arguments of `OcxToken.transfer` by their ABI
 * names.
 */
export type TransferParameters = {
  deployment: Pick<Deployment, "token">;
  /** The ERC-20 to act on, e.g. `deployment.paymentToken`. Default: OCX (`deployment.token`). */
  token?: Address;
} & ContractArgs<typeof ocxTokenAbi, "transfer">;
/** The hash of the sent transaction. */
export type TransferReturnType = Hash;
/** What `transfer` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type TransferErrorType = WriteErrorType;

/**
 * Sends `value` OCX from the account to `to`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `transferSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, transfer } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await transfer(client, {
 *   deployment,
 *   to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 *   value: parseEther("10"),
 * });
 */
export async function transfer(client: WriteClient, parameters: TransferParameters): Promise<TransferReturnType> {
  return write(client, {
    address: parameters.token ?? parameters.deployment.token,
    abi: ocxTokenAbi,
    functionName: "transfer",
    parameters,
  });
}

/** Parameters of `transferSync`: those of `transfer`. */
export type TransferSyncParameters = TransferParameters;
/** The receipt and the `Transfer` event's arguments. */
export type TransferSyncReturnType = WriteSyncResult<typeof ocxTokenAbi, "Transfer">;
/**
 * What `transferSync` throws: what `transfer` throws, `OcxTransactionRevertedError` when the transaction reverts
 * when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type TransferSyncErrorType = WriteSyncErrorType;

/**
 * `transfer`, then waits for the receipt and returns it with the `Transfer` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, transferSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await transferSync(client, {
 *   deployment,
 *   to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 *   value: parseEther("10"),
 * });
 * event.value; // parseEther("10")
 */
export async function transferSync(
  client: WriteClient,
  parameters: TransferSyncParameters,
): Promise<TransferSyncReturnType> {
  return writeSync(client, {
    address: parameters.token ?? parameters.deployment.token,
    abi: ocxTokenAbi,
    functionName: "transfer",
    parameters,
    events: ["Transfer"],
  });
}
