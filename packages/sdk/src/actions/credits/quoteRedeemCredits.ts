// What redeeming `creditsIn` credits would give at the feed's latest price (without the staleness and move checks).
import type { Deployment } from "../../deployment.js";
import { ocxCreditsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";
import { creditsAddress } from "./address.js";

/** Parameters of `quoteRedeemCredits`: the deployment, and the arguments of `OcxCredits.quoteRedeem` by their ABI names. */
export type QuoteRedeemCreditsParameters = { deployment: Pick<Deployment, "credits"> } & ContractArgs<
  typeof ocxCreditsAbi,
  "quoteRedeem"
>;
/** What `OcxCredits.quoteRedeem` returns, typed by the generated ABI. */
export type QuoteRedeemCreditsReturnType = ContractResult<typeof ocxCreditsAbi, "quoteRedeem">;
/** What `quoteRedeemCredits` throws: `DeploymentError` when the deployment has no credits, `OcxContractError`, or viem's read errors. */
export type QuoteRedeemCreditsErrorType = ReadErrorType;

/**
 * What redeeming `creditsIn` credits would give at the feed's latest price (without the staleness and move checks).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { quoteRedeemCredits, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await quoteRedeemCredits(client, { deployment, creditsIn: 10n ** 20n });
 * result; // [ocxOut, price]
 */
export async function quoteRedeemCredits(
  client: ReadClient,
  parameters: QuoteRedeemCreditsParameters,
): Promise<QuoteRedeemCreditsReturnType> {
  return read(client, {
    address: creditsAddress(parameters.deployment),
    abi: ocxCreditsAbi,
    functionName: "quoteRedeem",
    parameters,
  });
}
