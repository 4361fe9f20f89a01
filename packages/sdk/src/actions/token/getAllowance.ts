// Reads how much OCX a contract may pull from an account.
import type { Deployment } from "../../deployment.js";
import { ocxTokenAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `getAllowance`: the deployment, and the arguments of `OcxToken.allowance` by their ABI names. */
export type GetAllowanceParameters = { deployment: Pick<Deployment, "token"> } & ContractArgs<
  typeof ocxTokenAbi,
  "allowance"
>;
/** What `OcxToken.allowance` returns, typed by the generated ABI. */
export type GetAllowanceReturnType = ContractResult<typeof ocxTokenAbi, "allowance">;
/** What `getAllowance` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type GetAllowanceErrorType = ReadErrorType;

/**
 * Reads the OCX that `spender` may still pull from `owner`. Calls the token's `allowance`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { getAllowance, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const allowance = await getAllowance(client, {
 *   deployment,
 *   owner: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 *   spender: deployment.marketplace,
 * });
 * allowance; // token units
 */
export async function getAllowance(
  client: ReadClient,
  parameters: GetAllowanceParameters,
): Promise<GetAllowanceReturnType> {
  return read(client, {
    address: parameters.deployment.token,
    abi: ocxTokenAbi,
    functionName: "allowance",
    parameters,
  });
}
