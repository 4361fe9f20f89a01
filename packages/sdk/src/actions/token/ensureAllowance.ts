// Approves a contract to pull the account's OCX or credits only when the current allowance is too small.
import type { Address, TransactionReceipt } from "viem";
import type { WriteClient, WriteSyncErrorType } from "../internal/contract.js";
import { approveSync } from "./approve.js";
import { getAllowance } from "./getAllowance.js";
import { type TokenDeployment, tokenPulledBy } from "./paymentToken.js";

/** Parameters of `ensureAllowance`: the deployment, the contract that will pull the tokens, which token, and how much. */
export interface EnsureAllowanceParameters {
  deployment: TokenDeployment;
  /** The contract that will pull the tokens: `deployment.marketplace`, `deployment.registry`, `deployment.credits`. */
  spender: Address;
  /**
   * The ERC-20 it pulls. Default: `tokenPulledBy(deployment, spender)`: the payment token (credits) for the
   * Marketplace, OCX for the others.
   */
  token?: Address;
  /** The least allowance needed. */
  amount: bigint;
}

/** Whether an approval was sent, and the allowance now in place. */
export type EnsureAllowanceReturnType =
  | { approved: false; allowance: bigint; receipt: undefined }
  | { approved: true; allowance: bigint; receipt: TransactionReceipt };

/** What `ensureAllowance` throws: what `getAllowance` and `approveSync` throw. */
export type EnsureAllowanceErrorType = WriteSyncErrorType;

/**
 * Makes sure `spender` may pull at least `amount` of `token` (default: what `spender` takes, {@link tokenPulledBy})
 * from the account: reads the allowance and, only when it is
 * smaller, approves exactly `amount` and waits for the receipt. Approving exactly (not "unlimited") keeps what a
 * contract can take from the account to what the next call needs.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { ensureAllowance, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { approved } = await ensureAllowance(client, {
 *   deployment,
 *   spender: deployment.marketplace,
 *   amount: parseEther("3.6"),
 * });
 * approved; // true the first time, false while the allowance lasts
 */
export async function ensureAllowance(
  client: WriteClient,
  parameters: EnsureAllowanceParameters,
): Promise<EnsureAllowanceReturnType> {
  const { deployment, spender, amount } = parameters;
  const token = parameters.token ?? tokenPulledBy(deployment, spender);
  const allowance = await getAllowance(client, { deployment, token, owner: client.account.address, spender });
  if (allowance >= amount) return { approved: false, allowance, receipt: undefined };
  const { receipt, event } = await approveSync(client, { deployment, token, spender, value: amount });
  return { approved: true, allowance: event.value, receipt };
}
