// Moves the protocol fees booked beside providers' earnings into the pool that `flushFees` burns.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { marketplaceAbi } from "../../generated/abis.js";
import { type ContractArgs, type WriteClient, type WriteErrorType, write } from "../internal/contract.js";

/**
 * Parameters of `sweepFees`: the deployment, and the arguments of `Marketplace.sweepFees` by their ABI names
 * (`providers`).
 */
export type SweepFeesParameters = { deployment: Pick<Deployment, "marketplace"> } & ContractArgs<
  typeof marketplaceAbi,
  "sweepFees"
>;
/** The hash of the sent transaction. */
export type SweepFeesReturnType = Hash;
/** What `sweepFees` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type SweepFeesErrorType = WriteErrorType;

/**
 * Anyone moves the fees booked beside each of `providers`' earnings (`feesOf`) into the pool (`pendingFees`), which
 * `flushFees` then burns or sends to the fee sink. Providers with nothing booked are skipped; each sweep logs
 * `FeesSwept(provider, amount)`. Calls the contract's `sweepFees`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { flushFeesSync, loadDeployment, sweepFees } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * await sweepFees(client, { deployment, providers: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"] });
 * await flushFeesSync(client, { deployment });
 */
export async function sweepFees(client: WriteClient, parameters: SweepFeesParameters): Promise<SweepFeesReturnType> {
  return write(client, {
    address: parameters.deployment.marketplace,
    abi: marketplaceAbi,
    functionName: "sweepFees",
    parameters,
  });
}
