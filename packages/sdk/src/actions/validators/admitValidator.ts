// The validator admin admits a validator.
import type { Hash } from "viem";
import type { Deployment } from "../../deployment.js";
import { validatorRegistryAbi } from "../../generated/abis.js";
import {
  type ContractArgs,
  type WriteClient,
  type WriteErrorType,
  type WriteSyncErrorType,
  type WriteSyncResult,
  write,
  writeSync,
} from "../internal/contract.js";
import { validatorRegistryAddress } from "./address.js";

/**
 * Parameters of `admitValidator` and `admitValidatorSync`: the deployment, and the arguments of `ValidatorRegistry.admit` by their ABI
 * names.
 */
export type AdmitValidatorParameters = { deployment: Pick<Deployment, "validatorRegistry"> } & ContractArgs<
  typeof validatorRegistryAbi,
  "admit"
>;
/** The hash of the sent transaction. */
export type AdmitValidatorReturnType = Hash;
/**
 * What `admitValidator` throws: `DeploymentError` when the deployment has no ValidatorRegistry, `OcxContractError` for a revert
 * found in simulation (nothing is sent), or viem's errors.
 */
export type AdmitValidatorErrorType = WriteErrorType;

/**
 * Admits `validator` (VALIDATOR_ADMIN_ROLE: governance, or the deployer on a devnet). It is active once its free stake reaches `minStake`.
 *
 * Simulates first: a revert throws `OcxContractError` with the custom error's name and arguments, and nothing is
 * sent. Returns the transaction hash without waiting; `admitValidatorSync` waits.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { admitValidator, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const hash = await admitValidator(client, { deployment, validator: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" });
 */
export async function admitValidator(
  client: WriteClient,
  parameters: AdmitValidatorParameters,
): Promise<AdmitValidatorReturnType> {
  return write(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "admit",
    parameters,
  });
}

/** Parameters of `admitValidatorSync`: those of `admitValidator`. */
export type AdmitValidatorSyncParameters = AdmitValidatorParameters;
/** The receipt and the `ValidatorAdmitted` event's arguments. */
export type AdmitValidatorSyncReturnType = WriteSyncResult<typeof validatorRegistryAbi, "ValidatorAdmitted">;
/**
 * What `admitValidatorSync` throws: what `admitValidator` throws, `OcxTransactionRevertedError` when the transaction reverts when
 * mined, `OcxEventNotFoundError` when the contract did not emit the expected event, or viem's receipt errors.
 */
export type AdmitValidatorSyncErrorType = WriteSyncErrorType;

/**
 * `admitValidator`, then waits for the receipt and returns it with the `ValidatorAdmitted` event's arguments.
 * @example
 * import { createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { admitValidatorSync, loadDeployment } from "@ocx/sdk";
 *
 * const client = createWalletClient({
 *   account: privateKeyToAccount(process.env.OCX_PRIVATE_KEY as `0x${string}`),
 *   chain: foundry,
 *   transport: http(),
 * });
 * const deployment = await loadDeployment(foundry.id);
 * const { event } = await admitValidatorSync(client, { deployment, validator: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" });
 * event.validator;
 */
export async function admitValidatorSync(
  client: WriteClient,
  parameters: AdmitValidatorSyncParameters,
): Promise<AdmitValidatorSyncReturnType> {
  return writeSync(client, {
    address: validatorRegistryAddress(parameters.deployment),
    abi: validatorRegistryAbi,
    functionName: "admit",
    parameters,
    events: ["ValidatorAdmitted"],
  });
}
