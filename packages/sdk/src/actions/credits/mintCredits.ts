// OcxCredits.mint: Burns OCX (approve OcxCredits first: `ensureAllowance` with `spender: deployment.credits`) for credits at the oracle price less the spread, rounded down.
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

/** Parameters of `mintCredits` and `mintCreditsSync`: the deployment, and the arguments of `OcxCredits.mint` by their ABI names. */
export type MintCreditsParameters = { deployment: Pick<Deployment, "credits"> } & ContractArgs<
  typeof ocxCreditsAbi,
  "mint"
>;
/** The hash of the sent transaction. */
export type MintCreditsReturnType = Hash;
/**
 * What `mintCredits` throws: `DeploymentError` when the deployment has no credits, `OcxContractError` for a revert found in
 * simulation (nothing is sent: a stale or jumpy price, the breaker, rounding to nothing), or viem's errors.
 */
export type MintCreditsErrorType = WriteErrorType;

/**
 * Burns OCX (approve OcxCredits first: `ensureAllowance` with `spender: deployment.credits`) for credits at the oracle price less the spread, rounded down.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `mintCreditsSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { mintCredits, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await mintCredits(client, { deployment, ocxIn: parseEther("100") });
 */
export async function mintCredits(
  client: WriteClient,
  parameters: MintCreditsParameters,
): Promise<MintCreditsReturnType> {
  return write(client, {
    address: creditsAddress(parameters.deployment),
    abi: ocxCreditsAbi,
    functionName: "mint",
    parameters,
  });
}

/** Parameters of `mintCreditsSync`: those of `mintCredits`. */
export type MintCreditsSyncParameters = MintCreditsParameters;
/** The receipt and the `CreditsMinted` event's arguments. */
export type MintCreditsSyncReturnType = WriteSyncResult<typeof ocxCreditsAbi, "CreditsMinted">;
/**
 * What `mintCreditsSync` throws: what `mintCredits` throws, `OcxTransactionRevertedError` when the transaction reverts when mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type MintCreditsSyncErrorType = WriteSyncErrorType;

/**
 * `mintCredits`, then waits for the receipt and returns it with the `CreditsMinted` event's arguments.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { mintCreditsSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await mintCreditsSync(client, { deployment, ocxIn: parseEther("100") });
 * event.price;
 */
export async function mintCreditsSync(
  client: WriteClient,
  parameters: MintCreditsSyncParameters,
): Promise<MintCreditsSyncReturnType> {
  return writeSync(client, {
    address: creditsAddress(parameters.deployment),
    abi: ocxCreditsAbi,
    functionName: "mint",
    parameters,
    events: ["CreditsMinted"],
  });
}
