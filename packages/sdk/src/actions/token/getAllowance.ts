// Reads how much OCX (or payment token) a contract may pull from an account.
import type { Address } from "viem";
import { ocxTokenAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";
import { type TokenDeployment, tokenPulledBy } from "./paymentToken.js";

/** Parameters of `getAllowance`: the deployment, and the arguments of `OcxToken.allowance` by their ABI names. */
export type GetAllowanceParameters = {
  deployment: TokenDeployment;
  /** The ERC-20 to act on. Default: the token `spender` pulls (`tokenPulledBy`: credits for the Marketplace, else OCX). */
  token?: Address;
} & ContractArgs<typeof ocxTokenAbi, "allowance">;
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
    address: parameters.token ?? tokenPulledBy(parameters.deployment, parameters.spender),
    abi: ocxTokenAbi,
    functionName: "allowance",
    parameters,
  });
}
