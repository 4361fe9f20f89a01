// Governance proposals over the OCX contracts' parameters: `marketplace.feeBps 100` → a setParameters call that
// keeps every other field (`emissions.emission …` → a setSchedule call), and a proposal's calls →
// "Marketplace.setParameters: feeBps 250 → 100".
import type { Abi, AbiFunction, Address, Hex } from "viem";
import { decodeFunctionData, encodeFunctionData, getAddress, isAddress, isAddressEqual } from "viem";
import { readContract } from "viem/actions";
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";
import { OcxError } from "../errors.js";
import {
  emissionsAbi,
  marketplaceAbi,
  ocxCreditsAbi,
  ocxGovernorAbi,
  ocxTimelockAbi,
  ocxTokenAbi,
  priceFeedAbi,
  proofOfComputeAbi,
  providerRegistryAbi,
  spotChecksAbi,
  validatorRegistryAbi,
} from "../generated/abis.js";

/**
 * Thrown when a parameter name or value given for a proposal is not one governance can set.
 * @example
 * try { await encodeParameterChange(client, { deployment, parameter: "marketplace.fee", value: "1" }) }
 * catch (e) { if (e instanceof GovernanceParameterError) console.error(e.shortMessage) }
 */
export class GovernanceParameterError extends OcxError {
  override name = "GovernanceParameterError";
}

/** The contracts whose `setParameters` a proposal can change, by the key used in `contract.field`. */
const parameterContracts = {
  marketplace: { name: "Marketplace", abi: marketplaceAbi as Abi },
  registry: { name: "ProviderRegistry", abi: providerRegistryAbi as Abi },
  validatorRegistry: { name: "ValidatorRegistry", abi: validatorRegistryAbi as Abi },
  proofOfCompute: { name: "ProofOfCompute", abi: proofOfComputeAbi as Abi },
  spotChecks: { name: "SpotChecks", abi: spotChecksAbi as Abi },
  credits: { name: "OcxCredits", abi: ocxCreditsAbi as Abi },
  emissions: { name: "Emissions", abi: emissionsAbi as Abi },
} as const;

/**
 * A contract key of {@link encodeParameterChange}: `marketplace` (and its `guardian`), `registry`,
 * `validatorRegistry`, `proofOfCompute`, `spotChecks`, `credits` (and its oracle, `feed`), `emissions` (its
 * schedule: `length`, `emission`, `decay`).
 */
export type ParameterContract = keyof typeof parameterContracts;

/** One call of a proposal: the contract, the ETH sent (always 0 for OCX calls) and the calldata. */
export interface ProposalCall {
  target: Address;
  value: bigint;
  calldata: Hex;
}

/** `setParameters`' fields of a contract, as the ABI lists them: name and Solidity type. */
function parameterFields(abi: Abi): { name: string; type: string }[] {
  const set = abi.find((i): i is AbiFunction => i.type === "function" && i.name === "setParameters");
  const tuple = set?.inputs[0] as { components?: { name?: string; type: string }[] } | undefined;
  return (tuple?.components ?? []).map((c) => ({ name: c.name ?? "", type: c.type }));
}

/** Emissions' `setSchedule(length, emission, decay)` arguments, as the ABI lists them. */
const scheduleFields = (
  (emissionsAbi as Abi).find((i): i is AbiFunction => i.type === "function" && i.name === "setSchedule")?.inputs ?? []
).map((input) => ({ name: input.name ?? "", type: input.type }));

/**
 * Settings with a setter of their own, one address each: `contract.field` → the setter and how to read the current
 * value. The marketplace's guardian (who may pause) and the credits' oracle are governance's choices.
 */
const addressSetters: Record<
  string,
  { functionName: "setGuardian" | "setFeed"; read: (client: ReadClient, at: Address) => Promise<Address> }
> = {
  "marketplace.guardian": {
    functionName: "setGuardian",
    read: async (client, at) =>
      (await readContract(client, { address: at, abi: marketplaceAbi, functionName: "roles" }))[2],
  },
  "credits.feed": {
    functionName: "setFeed",
    read: (client, at) => readContract(client, { address: at, abi: ocxCreditsAbi, functionName: "feed" }),
  },
};

/**
 * The schedule a new `setSchedule` replaces: the one waiting for the next epoch if any, else the current one
 * (Emissions applies a change from the next epoch on).
 */
async function latestSchedule(client: ReadClient, emissions: Address): Promise<Record<string, unknown>> {
  const [current, next] = await readContract(client, {
    address: emissions,
    abi: emissionsAbi,
    functionName: "schedules",
  });
  return next.length !== 0 ? next : current;
}

function parseField(field: { name: string; type: string }, raw: string, parameter: string): bigint | Address {
  if (field.type === "address") {
    if (!isAddress(raw))
      throw new GovernanceParameterError(`${parameter}: "${raw}" is not an address (0x and 40 hex digits)`);
    return getAddress(raw);
  }
  const bits = /^uint(\d+)$/.exec(field.type);
  if (!bits)
    throw new GovernanceParameterError(`${parameter} has type ${field.type}, which proposals from flags cannot set`);
  if (!/^\d+$/.test(raw)) {
    throw new GovernanceParameterError(
      `${parameter}: "${raw}" is not a whole number; give the value in the contract's unit (wei for OCX amounts, seconds, basis points)`,
    );
  }
  const value = BigInt(raw);
  if (value >= 1n << BigInt(bits[1] ?? "256"))
    throw new GovernanceParameterError(`${parameter}: ${raw} does not fit in ${field.type}`);
  return value;
}

/** Parameters of `encodeParameterChange`. */
export interface EncodeParameterChangeParameters {
  deployment: Deployment;
  /** `contract.field`, e.g. `marketplace.feeBps` or `registry.minStakePerGpu`. */
  parameter: string;
  /** The new value as text: a whole number in the contract's unit, or an address. */
  value: string;
}

/**
 * One `setParameters` call that changes a single field and keeps the others at their current on-chain values,
 * with its description ("Marketplace.setParameters: feeBps 250 → 100"). The value is not checked against the
 * contract's bounds here: a proposal that breaks them fails at execution with the contract's error.
 * @example
 * const { call, summary } = await encodeParameterChange(publicClient, { deployment, parameter: "marketplace.feeBps", value: "100" });
 */
export async function encodeParameterChange(
  client: ReadClient,
  parameters: EncodeParameterChangeParameters,
): Promise<{ call: ProposalCall; summary: string }> {
  const [key, field, ...rest] = parameters.parameter.split(".");
  const known = Object.keys(parameterContracts).join(", ");
  if (!key || !field || rest.length > 0 || !(key in parameterContracts)) {
    throw new GovernanceParameterError(`"${parameters.parameter}" is not contract.field; contracts: ${known}`);
  }
  const contract = parameterContracts[key as ParameterContract];
  const target = parameters.deployment[key as ParameterContract];
  if (!target) throw new GovernanceParameterError(`this deployment has no ${contract.name}`);
  const setter = addressSetters[parameters.parameter];
  if (setter) {
    const value = parseField({ name: field, type: "address" }, parameters.value, parameters.parameter);
    const calldata = encodeFunctionData({ abi: contract.abi, functionName: setter.functionName, args: [value] });
    const call = { target, value: 0n, calldata };
    return { call, summary: await describeCall(client, { deployment: parameters.deployment, call }) };
  }
  const fields = [
    ...(key === "emissions" ? scheduleFields : parameterFields(contract.abi)),
    ...Object.keys(addressSetters)
      .filter((k) => k.startsWith(`${key}.`))
      .map((k) => ({ name: k.slice(key.length + 1), type: "address" })),
  ];
  const match = fields.find((f) => f.name === field);
  if (!match) {
    throw new GovernanceParameterError(
      `${contract.name} has no parameter "${field}"; its parameters: ${fields.map((f) => f.name).join(", ")}`,
    );
  }
  const value = parseField(match, parameters.value, parameters.parameter);
  let calldata: Hex;
  if (key === "emissions") {
    const next = { ...(await latestSchedule(client, target)), [field]: value };
    calldata = encodeFunctionData({
      abi: emissionsAbi,
      functionName: "setSchedule",
      args: [Number(next.length), BigInt(next.emission as bigint), BigInt(next.decay as bigint)],
    });
  } else {
    const current = (await readContract(client, {
      address: target,
      abi: contract.abi,
      functionName: "parameters",
    })) as Record<string, unknown>;
    calldata = encodeFunctionData({
      abi: contract.abi,
      functionName: "setParameters",
      args: [{ ...current, [field]: value }],
    });
  }
  const call = { target, value: 0n, calldata };
  return { call, summary: await describeCall(client, { deployment: parameters.deployment, call }) };
}

/** Parameters of `describeCall`. */
export interface DescribeCallParameters {
  deployment: Deployment;
  call: ProposalCall;
}

/** Every OCX contract of a deployment, by address, with its name and ABI. */
function contractsOf(deployment: Deployment): { address: Address; name: string; abi: Abi }[] {
  const all: [Address | undefined, string, Abi][] = [
    [deployment.token, "OcxToken", ocxTokenAbi as Abi],
    [deployment.registry, "ProviderRegistry", providerRegistryAbi as Abi],
    [deployment.marketplace, "Marketplace", marketplaceAbi as Abi],
    [deployment.validatorRegistry, "ValidatorRegistry", validatorRegistryAbi as Abi],
    [deployment.proofOfCompute, "ProofOfCompute", proofOfComputeAbi as Abi],
    [deployment.spotChecks, "SpotChecks", spotChecksAbi as Abi],
    [deployment.emissions, "Emissions", emissionsAbi as Abi],
    [deployment.credits, "OcxCredits", ocxCreditsAbi as Abi],
    [deployment.priceFeed, "PriceFeed", priceFeedAbi as Abi],
    [deployment.governor, "OcxGovernor", ocxGovernorAbi as Abi],
    [deployment.timelock, "OcxTimelock", ocxTimelockAbi as Abi],
  ];
  return all
    .filter((c): c is [Address, string, Abi] => Boolean(c[0]))
    .map(([address, name, abi]) => ({ address, name, abi }));
}

/** The key of `parameterContracts` whose deployment address is `address`, if any. */
function contractKey(deployment: Deployment, address: Address): string | undefined {
  return Object.keys(parameterContracts).find((k) => {
    const at = deployment[k as ParameterContract];
    return at !== undefined && isAddressEqual(at, address);
  });
}

const show = (v: unknown): string => (typeof v === "bigint" || typeof v === "number" ? v.toString() : String(v));

/**
 * A proposal call in words. `setParameters` is shown as the fields it changes against the current on-chain values
 * ("Marketplace.setParameters: feeBps 250 → 100"), Emissions' `setSchedule` against the latest schedule
 * ("Emissions.setSchedule (from the next epoch): emission 1000 → 500"), the guardian and the oracle against theirs
 * ("Marketplace.setGuardian: guardian 0xA… → 0xB…"); other calls as `Contract.function(arguments)`; a call to an
 * address outside the deployment as the address and the calldata's selector.
 * @example
 * await describeCall(publicClient, { deployment, call: { target: deployment.marketplace, value: 0n, calldata } });
 */
export async function describeCall(client: ReadClient, parameters: DescribeCallParameters): Promise<string> {
  const { call } = parameters;
  const contract = contractsOf(parameters.deployment).find((c) => isAddressEqual(c.address, call.target));
  const eth = call.value > 0n ? ` (sending ${call.value} wei)` : "";
  if (!contract) return `call to ${call.target}, selector ${call.calldata.slice(0, 10)}${eth}`;
  let decoded: { functionName: string; args?: readonly unknown[] };
  try {
    decoded = decodeFunctionData({ abi: contract.abi, data: call.calldata });
  } catch {
    return `${contract.name}: unknown function, selector ${call.calldata.slice(0, 10)}${eth}`;
  }
  if (decoded.functionName === "setParameters" && decoded.args?.[0]) {
    const next = decoded.args[0] as Record<string, unknown>;
    const current = (await readContract(client, {
      address: contract.address,
      abi: contract.abi,
      functionName: "parameters",
    })) as Record<string, unknown>;
    const changes = Object.keys(next)
      .filter((k) => show(current[k]) !== show(next[k]))
      .map((k) => `${k} ${show(current[k])} → ${show(next[k])}`);
    return `${contract.name}.setParameters: ${changes.length > 0 ? changes.join(", ") : "no change"}${eth}`;
  }
  const setter = Object.entries(addressSetters).find(
    ([k, v]) =>
      v.functionName === decoded.functionName &&
      contractKey(parameters.deployment, contract.address) === k.split(".")[0],
  );
  if (setter && decoded.args) {
    const from = await setter[1].read(client, contract.address);
    return `${contract.name}.${decoded.functionName}: ${setter[0].split(".")[1]} ${from} → ${show(decoded.args[0])}${eth}`;
  }
  if (decoded.functionName === "setSchedule" && decoded.args) {
    const latest = await latestSchedule(client, contract.address);
    const changes = scheduleFields
      .map((f, i) => [f.name, show(latest[f.name]), show(decoded.args?.[i])] as const)
      .filter(([, from, to]) => from !== to)
      .map(([name, from, to]) => `${name} ${from} → ${to}`);
    return `${contract.name}.setSchedule (from the next epoch): ${changes.length > 0 ? changes.join(", ") : "no change"}${eth}`;
  }
  return `${contract.name}.${decoded.functionName}(${(decoded.args ?? []).map(show).join(", ")})${eth}`;
}
