// Gives an account the Marketplace's payment token from the caller's OCX: credits minted at the oracle price, or
// OCX itself on a deployment that settles in OCX. Devnets, faucets and tests fund buyers with it.
import { type Address, isAddressEqual, type TransactionReceipt } from "viem";
import { getCreditsParameters } from "../actions/credits/getCreditsParameters.js";
import { getOcxPrice } from "../actions/credits/getOcxPrice.js";
import { mintCreditsSync } from "../actions/credits/mintCredits.js";
import { quoteMintCredits } from "../actions/credits/quoteMintCredits.js";
import type { WriteClient } from "../actions/internal/contract.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import { getTokenBalance } from "../actions/token/getTokenBalance.js";
import { transferSync } from "../actions/token/transfer.js";
import type { Deployment } from "../deployment.js";
import { OcxError } from "../errors.js";

/** Parameters of `fundPaymentTokens`. */
export interface FundPaymentTokensParameters {
  deployment: Pick<Deployment, "token" | "paymentToken" | "credits" | "priceFeed">;
  /** Who receives the payment tokens (may be the caller itself). */
  to: Address;
  /** How much of the payment token `to` receives (wei: credits, or OCX on an OCX-settled deployment). */
  amount: bigint;
}

/** What `fundPaymentTokens` did. */
export interface FundPaymentTokensReturnType {
  /** The payment token sent. */
  token: Address;
  /** OCX the caller burned to mint credits (0 when its credits sufficed or the market settles in OCX). */
  ocxBurned: bigint;
  /** Credits minted for it. */
  creditsMinted: bigint;
  /** The transfer's receipt; undefined when `to` is the caller (the mint was the funding). */
  receipt: TransactionReceipt | undefined;
}

const BPS = 10_000n;

/**
 * Sends `amount` of `deployment.paymentToken` from the client's account to `to`. On a deployment that settles in
 * credits, first mints the credits the account lacks by burning its OCX at the oracle price: the OCX is
 * `ceil(lack × 10^decimals × 10,000 / (price × (10,000 − spreadBps)))`, rounded up so the mint (which rounds down)
 * covers `lack`; the caller keeps any dust. On an OCX-settled deployment it transfers OCX.
 * @example
 * import { fundPaymentTokens, loadDeployment } from "@ocx/sdk";
 * import { parseEther } from "viem";
 *
 * const deployment = await loadDeployment(31337);
 * await fundPaymentTokens(treasury, { deployment, to: buyer, amount: parseEther("100") }); // $100 of credits
 */
export async function fundPaymentTokens(
  client: WriteClient,
  parameters: FundPaymentTokensParameters,
): Promise<FundPaymentTokensReturnType> {
  const { deployment, to, amount } = parameters;
  const token = deployment.paymentToken;
  const self = client.account.address;
  if (isAddressEqual(token, deployment.token)) {
    const { receipt } = await transferSync(client, { deployment, to, value: amount });
    return { token, ocxBurned: 0n, creditsMinted: 0n, receipt };
  }
  const balance = await getTokenBalance(client, { deployment, token, account: self });
  const held = isAddressEqual(to, self) ? 0n : balance;
  let ocxBurned = 0n;
  let creditsMinted = 0n;
  if (held < amount) {
    const lack = amount - held;
    const [{ price, decimals }, { spreadBps }] = await Promise.all([
      getOcxPrice(client, { deployment }),
      getCreditsParameters(client, { deployment }),
    ]);
    const numerator = lack * 10n ** BigInt(decimals) * BPS;
    const denominator = price * (BPS - BigInt(spreadBps));
    if (denominator === 0n) throw new OcxError(`the OCX/USD feed answers ${price}: credits cannot be minted`);
    const ocxIn = (numerator + denominator - 1n) / denominator;
    const [quoted] = await quoteMintCredits(client, { deployment, ocxIn });
    if (quoted < lack) {
      throw new OcxError(`minting with ${ocxIn} OCX wei would give ${quoted} credits wei, not the ${lack} needed`);
    }
    await ensureAllowance(client, { deployment, spender: deployment.credits as Address, amount: ocxIn });
    const { event } = await mintCreditsSync(client, { deployment, ocxIn });
    ocxBurned = event.ocxBurned;
    creditsMinted = event.credits;
  }
  if (isAddressEqual(to, self)) return { token, ocxBurned, creditsMinted, receipt: undefined };
  const { receipt } = await transferSync(client, { deployment, token, to, value: amount });
  return { token, ocxBurned, creditsMinted, receipt };
}
