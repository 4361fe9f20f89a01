// Lets a contract spend the account's OCX or payment tokens (credits).
import type { Address, Hash } from "viem";
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
import { type TokenDeployment, tokenPulledBy } from "./paymentToken.js";

/**
 * Parameters of `approve` and `approveSync`: the deployment, and the arguments of `OcxToken.approve` by their ABI
 * names.
 */
export type ApproveParameters = {
  deployment: TokenDeployment;
  /** The ERC-20 to act on. Default: the token `spender` pulls (`tokenPulledBy`: credits for the Marketplace, else OCX). */
  token?: Address;
} & ContractArgs<typeof ocxTokenAbi, "approve">;
/** The hash of the sent transaction. */
export type ApproveReturnType = Hash;
/** What `approve` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type ApproveErrorType = WriteErrorType;

/**
 * Sets what `spender` may pull from the account to `value`: credits (the payment token) for the marketplace, OCX
 * for the registries and OcxCredits, or `token` when given.
 * `ensureAllowance` approves only when the allowance is too small.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `approveSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { approve, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await approve(client, {
 *   deployment,
 *   spender: deployment.marketplace,
 *   value: parseEther("10"),
 * });
 */
export async function approve(client: WriteClient, parameters: ApproveParameters): Promise<ApproveReturnType> {
  return write(client, {
    address: parameters.token ?? tokenPulledBy(parameters.deployment, parameters.spender),
    abi: ocxTokenAbi,
    functionName: "approve",
    parameters,
  });
}

/** Parameters of `approveSync`: those of `approve`. */
export type ApproveSyncParameters = ApproveParameters;
/** The receipt and the `Approval` event's arguments. */
export type ApproveSyncReturnType = WriteSyncResult<typeof ocxTokenAbi, "Approval">;
/**
 * What `approveSync` throws: what `approve` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type ApproveSyncErrorType = WriteSyncErrorType;

/**
 * `approve`, then waits for the receipt and returns it with the `Approval` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { approveSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await approveSync(client, {
 *   deployment,
 *   spender: deployment.marketplace,
 *   value: parseEther("10"),
 * });
 * event.value; // parseEther("10")
 */
export async function approveSync(
  client: WriteClient,
  parameters: ApproveSyncParameters,
): Promise<ApproveSyncReturnType> {
  return writeSync(client, {
    address: parameters.token ?? tokenPulledBy(parameters.deployment, parameters.spender),
    abi: ocxTokenAbi,
    functionName: "approve",
    parameters,
    events: ["Approval"],
  });
}
