// The validator's standing in the ValidatorRegistry: admitted by the admin role, and enough stake for
// the registry's minStake plus one challengeBond per challenge it may have in flight. Topped up on
// start (idempotent: a restart changes nothing that is already right).
import type { Logger } from "@ocx/node-kit";
import {
  approveSync,
  getAllowance,
  getProofParameters,
  getValidator,
  getValidatorParameters,
  isValidatorActive,
  stakeValidatorSync,
  validatorRegistryAddress,
} from "@ocx/sdk";
import { formatEther, maxUint256 } from "viem";
import type { ChainAccess } from "./client.js";

/** The validator's record in the registry. */
export interface ValidatorStanding {
  admitted: boolean;
  active: boolean;
  stake: bigint;
  locked: bigint;
  minStake: bigint;
  challengeBond: bigint;
}

/** Reads the validator's standing. */
export async function readStanding(chain: ChainAccess): Promise<ValidatorStanding> {
  const { deployment, reader, address } = chain;
  const [v, active, params, proofParams] = await Promise.all([
    getValidator(reader, { deployment, validator: address }),
    isValidatorActive(reader, { deployment, validator: address }),
    getValidatorParameters(reader, { deployment }),
    getProofParameters(reader, { deployment }),
  ]);
  return {
    admitted: v.admitted,
    active,
    stake: v.stake,
    locked: v.locked,
    minStake: params.minStake,
    challengeBond: BigInt(proofParams.challengeBond),
  };
}

/**
 * Tops the validator's stake up to max(`stake`, minStake + maxInFlight · challengeBond). Refuses to
 * start a validator that is not admitted, naming who must admit it.
 */
export async function ensureStake(
  chain: ChainAccess,
  options: { stake: bigint; maxInFlight: number; log: Logger },
): Promise<ValidatorStanding> {
  const registry = validatorRegistryAddress(chain.deployment);
  let standing = await readStanding(chain);
  if (!standing.admitted) {
    throw new Error(
      `validator ${chain.address} is not admitted in the ValidatorRegistry at ${registry}: the VALIDATOR_ADMIN_ROLE must call admit(${chain.address}) first`,
    );
  }
  const required = standing.minStake + BigInt(options.maxInFlight) * standing.challengeBond;
  const target = options.stake > required ? options.stake : required;
  if (standing.stake < target) {
    const amount = target - standing.stake;
    const allowance = await getAllowance(chain.reader, {
      deployment: chain.deployment,
      owner: chain.address,
      spender: registry,
    });
    if (allowance < amount) {
      await approveSync(chain.writer(`approve:validator-registry:${Date.now()}`), {
        deployment: chain.deployment,
        spender: registry,
        value: maxUint256,
      });
    }
    await stakeValidatorSync(chain.writer(`validator-stake:${target}:${standing.stake}`), {
      deployment: chain.deployment,
      amount,
    });
    options.log.info("topped up the validator's stake", {
      staked: formatEther(target),
      added: formatEther(amount),
      required: formatEther(required),
    });
    standing = await readStanding(chain);
  }
  return standing;
}
