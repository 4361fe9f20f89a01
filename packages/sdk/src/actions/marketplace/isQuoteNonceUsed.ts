// Whether a provider has used a quote nonce.
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type ContractResult,
  type ReadClient,
  type ReadErrorType,
  read,
} from "../internal/contract.js";

/** Parameters of `isQuoteNonceUsed`: the deployment, and the arguments of `Marketplace.isQuoteNonceUsed` by their ABI names. */
export type IsQuoteNonceUsedParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "isQuoteNonceUsed"
>;
/** What `Marketplace.isQuoteNonceUsed` returns, typed by the generated ABI. */
export type IsQuoteNonceUsedReturnType = ContractResult<typeof marketplaceAbi, "isQuoteNonceUsed">;
/** What `isQuoteNonceUsed` throws: `OcxContractError` for a decoded revert, or viem's read errors. */
export type IsQuoteNonceUsedErrorType = ReadErrorType;

/**
 * Whether `provider` has used quote nonce `nonce` (a taken quote uses its nonce; nonces are unordered, each once).
 * A provider picks unused nonces with it after a restart. Calls the contract's `isQuoteNonceUsed`.
 * @example
 * import { createPublicClient, http } from "viem";
 * import { foundry } from "viem/chains";
 * import { isQuoteNonceUsed, loadDeployment } from "@ocx/sdk";
 *
 * const client = createPublicClient({ chain: foundry, transport: http() });
 * const deployment = await loadDeployment(foundry.id);
 * const used = await isQuoteNonceUsed(client, {
 *   deployment,
 *   provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 *   nonce: 1n,
 * });
 * used; // false
 */
export async function isQuoteNonceUsed(
  client: ReadClient,
  parameters: IsQuoteNonceUsedParameters,
): Promise<IsQuoteNonceUsedReturnType> {
  return read(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "isQuoteNonceUsed",
    parameters,
  });
}
