// Adds to a provider's stake.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { providerRegistryAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";

/**
 * Parameters of `stake` and `stakeSync`: the deployment, and the arguments of `ProviderRegistry.stake` by their ABI
 * names.
 */
export type StakeParameters = { deployment: Pick<Deployment, "registry"> } & ContractArgs<
  typeof providerRegistryAbi,
  "stake"
>;
/** The hash of the sent transaction. */
export type StakeReturnType = Hash;
/** What `stake` throws: `OcxContractError` for a revert found in simulation (nothing is sent), or viem's errors. */
export type StakeErrorType = WriteErrorType;

/**
 * Adds `amount` (pulled from the account: approve the registry first with `ensureAllowance`) to the account's stake.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name, arguments and a hint,
 * and nothing is sent. Returns the transaction hash without waiting; `stakeSync` waits.
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, stake } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await stake(client, { deployment, amount: parseEther("100") });
 */
export async function stake(client: WriteClient, parameters: StakeParameters): Promise<StakeReturnType> {
  return write(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "stake",
    parameters,
  });
}

/** Parameters of `stakeSync`: those of `stake`. */
export type StakeSyncParameters = StakeParameters;
/** The receipt and the `Staked` event's arguments (`event.stake` is the new total). */
export type StakeSyncReturnType = WriteSyncResult<typeof providerRegistryAbi, "Staked">;
/**
 * What `stakeSync` throws: what `stake` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined,
 * `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type StakeSyncErrorType = WriteSyncErrorType;

/**
 * `stake`, then waits for the receipt and returns it with the `Staked` event's arguments (`event.stake` is the new
 * total).
 * @example
 * import { createWalletClient, http, parseEther } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { loadDeployment, stakeSync } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await stakeSync(client, { deployment, amount: parseEther("100") });
 * event.stake; // parseEther("100")
 */
export async function stakeSync(client: WriteClient, parameters: StakeSyncParameters): Promise<StakeSyncReturnType> {
  return writeSync(client, {
    address: parameters.deployment.registry,
    abi: providerRegistryAbi,
    functionName: "stake",
    parameters,
    events: ["Staked"],
  });
}
