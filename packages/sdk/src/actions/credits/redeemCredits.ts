// OcxCredits.redeem: Burns credits for newly minted OCX at the oracle price plus the spread, rounded down, within the breaker epoch's cap.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { ocxCreditsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { creditsAddress } from "./address.js";

/** Parameters of `redeemCredits` and `redeemCreditsSync`: the deployment, and the arguments of `OcxCredits.redeem` by their ABI names. */
export type RedeemCreditsParameters = { deployment: Pick<Deployment, "credits"> } & ContractArgs<
  typeof ocxCreditsAbi,
  "redeem"
>;
/** The hash of the sent transaction. */
export type RedeemCreditsReturnType = Hash;
/**
 * What `redeemCredits` throws: `DeploymentError` when the deployment has no credits, `OcxContractError` for a revert found in
 * simulation (nothing is sent: a stale or jumpy price, the breaker, rounding to nothing), or viem's errors.
 */
export type RedeemCreditsErrorType = WriteErrorType;

/**
 * Burns credits for newly minted OCX at the oracle price plus the spread, rounded down, within the breaker epoch's cap.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `redeemCreditsSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { redeemCredits, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await redeemCredits(client, { deployment, creditsIn: parseEther("100") });
 */
export async function redeemCredits(
  client: WriteClient,
  parameters: RedeemCreditsParameters,
): Promise<RedeemCreditsReturnType> {
  return write(client, {
    address: creditsAddress(parameters.deployment),
    abi: ocxCreditsAbi,
    functionName: "redeem",
    parameters,
  });
}

/** Parameters of `redeemCreditsSync`: those of `redeemCredits`. */
export type RedeemCreditsSyncParameters = RedeemCreditsParameters;
/** The receipt and the `CreditsRedeemed` event's arguments. */
export type RedeemCreditsSyncReturnType = WriteSyncResult<typeof ocxCreditsAbi, "CreditsRedeemed">;
/**
 * What `redeemCreditsSync` throws: what `redeemCredits` throws, `OcxTransactionRevertedError` when the transaction reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type RedeemCreditsSyncErrorType = WriteSyncErrorType;

/**
 * `redeemCredits`, then waits for the receipt and returns it with the `CreditsRedeemed` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { redeemCreditsSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await redeemCreditsSync(client, { deployment, creditsIn: parseEther("100") });
 * event.price;
 */
export async function redeemCreditsSync(
  client: WriteClient,
  parameters: RedeemCreditsSyncParameters,
): Promise<RedeemCreditsSyncReturnType> {
  return writeSync(client, {
    address: creditsAddress(parameters.deployment),
    abi: ocxCreditsAbi,
    functionName: "redeem",
    parameters,
    events: ["CreditsRedeemed"],
  });
}
