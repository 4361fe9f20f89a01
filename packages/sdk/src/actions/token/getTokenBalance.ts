// Reads an account's OCX balance, or its balance of another token of the deployment (credits).
import type { Address } from "viem";
import type { Deployment } from "../../deployment.js";
import { ocxTokenAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getTokenBalance`: the deployment, and the arguments of `OcxToken.balanceOf` by their ABI names. */
export type GetTokenBalanceParameters = {
  deployment: Pick<Deployment, "token">;
  /** The ERC-20 to act on, e.g. `deployment.paymentToken`. Default: OCX (`deployment.token`). */
  token?: Address;
} & ContractArgs<typeof ocxTokenAbi, "balanceOf">;
/** What `OcxToken.balanceOf` returns, typed by the generated ABI. */
export type GetTokenBalanceReturnType = ContractResult<typeof ocxTokenAbi, "balanceOf">;
/** What `getTokenBalance` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetTokenBalanceErrorType = ReadErrorType;

/**
 * Reads `account`'s OCX balance. Calls the token's `balanceOf`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getTokenBalance, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const balance = await getTokenBalance(client, { deployment, account: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });
 * balance; // token units
 */
export async function getTokenBalance(
  client: ReadClient,
  parameters: GetTokenBalanceParameters,
): Promise<GetTokenBalanceReturnType> {
  return read(client, {
    address: parameters.token ?? parameters.deployment.token,
    abi: ocxTokenAbi,
    functionName: "balanceOf",
    parameters,
  });
}
