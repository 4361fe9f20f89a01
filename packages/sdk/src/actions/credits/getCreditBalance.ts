// An account's compute credits (18 decimals, 1e18 = $1).
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

/** Parameters of `getCreditBalance`: the deployment, and the arguments of `OcxCredits.balanceOf` by their ABI names. */
export type GetCreditBalanceParameters = { deployment: Pick<Deployment, "credits"> } & ContractArgs<
  typeof ocxCreditsAbi,
  "balanceOf"
>;
/** What `OcxCredits.balanceOf` returns, typed by the generated ABI. */
export type GetCreditBalanceReturnType = ContractResult<typeof ocxCreditsAbi, "balanceOf">;
/** What `getCreditBalance` throws: `DeploymentError` when the deployment has no credits, `OcxContractError`, or viem's read errors. */
export type GetCreditBalanceErrorType = ReadErrorType;

/**
 * An account's compute credits (18 decimals, 1e18 = $1).
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getCreditBalance, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const result = await getCreditBalance(client, { deployment, account: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });
 * result; // 495000000000000000000n
 */
export async function getCreditBalance(
  client: ReadClient,
  parameters: GetCreditBalanceParameters,
): Promise<GetCreditBalanceReturnType> {
  return read(client, {
    address: creditsAddress(parameters.deployment),
    abi: ocxCreditsAbi,
    functionName: "balanceOf",
    parameters,
  });
}
