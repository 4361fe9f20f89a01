// The validator's standing in the ValidatorRegistry: admitted by the admin role, and enough stake for
// the registry's minStake plus one challengeBond per challenge it may have in flight. Topped up on
// start (idempotent: a restart changes nothing that is already right).
// TODO(T1's SDK actions): switch to packages/sdk/src/actions/validators/ when it lands.
import type { Logger } from "@ocx/node-kit";
import { approveSync, getAllowance, proofOfComputeAbi, validatorRegistryAbi } from "@ocx/sdk";
import { type Address, formatEther, maxUint256 } from "viem";
import { readContract, simulateContract, writeContract } from "viem/actions";
import { getAction } from "viem/utils";
import type { ChainAccess } from "./client.js";
import { proofOfComputeAddress } from "./proofs.js";

/** The ValidatorRegistry address of a deployment, or a clear error when the deployment predates it. */
export function validatorRegistryAddress(deployment: object): Address {
  const address = (deployment as { validatorRegistry?: Address }).validatorRegistry;
  if (!address) {
    throw new Error(
      "the deployment file has no validatorRegistry address: redeploy with a version of deployOcx that deploys the trust contracts",
    );
  }
  return address;
}

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
  const registry = validatorRegistryAddress(chain.deployment);
  const [v, active, params, proofParams] = await Promise.all([
    readContract(chain.reader, {
      address: registry,
      abi: validatorRegistryAbi,
      functionName: "getValidator",
      args: [chain.address],
    }) as Promise<{ stake: bigint; locked: bigint; admitted: boolean }>,
    readContract(chain.reader, {
      address: registry,
      abi: validatorRegistryAbi,
      functionName: "isActive",
      args: [chain.address],
    }) as Promise<boolean>,
    readContract(chain.reader, {
      address: registry,
      abi: validatorRegistryAbi,
      functionName: "parameters",
    }) as Promise<{
      minStake: bigint;
    }>,
    readContract(chain.reader, {
      address: proofOfComputeAddress(chain.deployment),
      abi: proofOfComputeAbi,
      functionName: "parameters",
    }) as Promise<{ challengeBond: bigint }>,
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
    const { request } = await simulateContract(chain.reader, {
      account: chain.address,
      address: registry,
      abi: validatorRegistryAbi,
      functionName: "stake",
      args: [amount],
    });
    const write = getAction(
      chain.writer(`validator-stake:${target}:${standing.stake}`) as never,
      writeContract as never,
      "writeContract",
    ) as (r: unknown) => Promise<unknown>;
    await write(request);
    options.log.info("topped up the validator's stake", {
      staked: formatEther(target),
      added: formatEther(amount),
      required: formatEther(required),
    });
    standing = await readStanding(chain);
  }
  return standing;
}
