// What minting with `ocxIn` OCX would give at the feed's latest price (without the staleness and move checks).
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

/** Parameters of `quoteMintCredits`: the deployment, and the arguments of `OcxCredits.quoteMint` by their ABI names. */
export type QuoteMintCreditsParameters = { deployment: Pick<Deployment, "credits"> } & ContractArgs<
  typeof ocxCreditsAbi,
  "quoteMint"
>;
/** What `OcxCredits.quoteMint` returns, typed by the generated ABI. */
export type QuoteMintCreditsReturnType = ContractResult<typeof ocxCreditsAbi, "quoteMint">;
/** What `quoteMintCredits` throws: `DeploymentError` when the deployment has no credits, `OcxContractError`, or viem's read errors. */
export type QuoteMintCreditsErrorType = ReadErrorType;

/**
 * What minting with `ocxIn` OCX would give at the feed's latest price (without the staleness and move checks).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { quoteMintCredits, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await quoteMintCredits(client, { deployment, ocxIn: 10n ** 21n });
 * result; // [credits, price]
 */
export async function quoteMintCredits(
  client: ReadClient,
  parameters: QuoteMintCreditsParameters,
): Promise<QuoteMintCreditsReturnType> {
  return read(client, {
    address: creditsAddress(parameters.deployment),
    abi: ocxCreditsAbi,
    functionName: "quoteMint",
    parameters,
  });
}
