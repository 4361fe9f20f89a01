// Emissions.claim: Mints a provider’s share of a finished epoch to the provider.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { emissionsAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { emissionsAddress } from "./address.js";

/** Parameters of `claimEmissions` and `claimEmissionsSync`: the deployment, and the arguments of `Emissions.claim` by their ABI names. */
export type ClaimEmissionsParameters = { deployment: Pick<Deployment, "emissions"> } & ContractArgs<
  typeof emissionsAbi,
  "claim"
>;
/** The hash of the sent transaction. */
export type ClaimEmissionsReturnType = Hash;
/**
 * What `claimEmissions` throws: `DeploymentError` when the deployment has no Emissions, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type ClaimEmissionsErrorType = WriteErrorType;

/**
 * Mints a provider’s share of a finished epoch to the provider: ⌊E_e·units_p / units_e⌋, nothing when it was slashed at or after the epoch’s start. Anyone may call it; the reward goes to the provider.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `claimEmissionsSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { claimEmissions, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await claimEmissions(client, { deployment, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", epoch: 0n });
 */
export async function claimEmissions(
  client: WriteClient,
  parameters: ClaimEmissionsParameters,
): Promise<ClaimEmissionsReturnType> {
  return write(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "claim",
    parameters,
  });
}

/** Parameters of `claimEmissionsSync`: those of `claimEmissions`. */
export type ClaimEmissionsSyncParameters = ClaimEmissionsParameters;
/** The receipt and the `RewardClaimed` event's arguments. */
export type ClaimEmissionsSyncReturnType = WriteSyncResult<typeof emissionsAbi, "RewardClaimed">;
/**
 * What `claimEmissionsSync` throws: what `claimEmissions` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type ClaimEmissionsSyncErrorType = WriteSyncErrorType;

/**
 * `claimEmissions`, then waits for the receipt and returns it with the `RewardClaimed` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { claimEmissionsSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await claimEmissionsSync(client, { deployment, provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", epoch: 0n });
 * event.reward;
 */
export async function claimEmissionsSync(
  client: WriteClient,
  parameters: ClaimEmissionsSyncParameters,
): Promise<ClaimEmissionsSyncReturnType> {
  return writeSync(client, {
    address: emissionsAddress(parameters.deployment),
    abi: emissionsAbi,
    functionName: "claim",
    parameters,
    events: ["RewardClaimed"],
  });
}
