// Governance proposals over the OCX contracts' parameters: `marketplace.feeBps 100` → a setParameters call that
// keeps every other field (`emissions.emission …` → a setSchedule call; `marketplace.guardian 0x…` → its setter),
// and such a call → "Marketplace.setParameters: feeBps 250 → 100", against the values at a given block.
import type { Abi, AbiFunction, Address, Hex } from "viem";
import { encodeFunctionData, getAddress, isAddress } from "viem";
import { readContract } from "viem/actions";
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";
import { emissionsAbi, marketplaceAbi, ocxCreditsAbi } from "../generated/abis.js";
import {
  type CallChange,
  type CallDescription,
  type ContractKey,
  contractName,
  GovernanceParameterError,
  type GovernedContract,
  governedContracts,
  showChanges,
  showValue,
} from "./governed.js";

/** The contracts whose `setParameters` (or, for Emissions, `setSchedule`) a proposal can change. */
const parameterKeys = [
  "marketplace",
  "registry",
  "validatorRegistry",
  "proofOfCompute",
  "spotChecks",
  "credits",
  "emissions",
] as const satisfies readonly ContractKey[];

/**
 * A contract key of {@link encodeParameterChange}: `marketplace` (and its `guardian`), `registry`,
 * `validatorRegistry`, `proofOfCompute`, `spotChecks`, `credits` (and its oracle, `feed`), `emissions` (its
 * schedule: `length`, `emission`, `decay`).
 */
export type ParameterContract = (typeof parameterKeys)[number];

/** One call of a proposal: the contract, the ETH sent (always 0 for OCX calls) and the calldata. */
export interface ProposalCall {
  target: Address;
  value: bigint;
  calldata: Hex;
}

/** A proposal call built from words, and what it does in words. */
export interface EncodedChange {
  call: ProposalCall;
  /** The call described against the current values, e.g. "Marketplace.setParameters: feeBps 250 → 100". */
  summary: string;
}

/** Where to read the values a call is described against: a block, or the latest when absent. */
interface ReadAt {
  blockNumber?: bigint;
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
 * Settings with a setter of their own, one address each: `contract.field` → the setter and how to read the value.
 * The marketplace's guardian (who may pause) and the credits' oracle are governance's choices.
 */
const addressSetters: Record<
  string,
  { functionName: "setGuardian" | "setFeed"; read: (client: ReadClient, at: Address, when: ReadAt) => Promise<Address> }
> = {
  "marketplace.guardian": {
    functionName: "setGuardian",
    read: async (client, at, when) =>
      (await readContract(client, { address: at, abi: marketplaceAbi, functionName: "roles", ...when }))[2],
  },
  "credits.feed": {
    functionName: "setFeed",
    read: (client, at, when) =>
      readContract(client, { address: at, abi: ocxCreditsAbi, functionName: "feed", ...when }),
  },
};

/**
 * The schedule a new `setSchedule` replaces: the one waiting for the next epoch if any, else the current one
 * (Emissions applies a change from the next epoch on).
 */
async function latestSchedule(client: ReadClient, emissions: Address, when: ReadAt): Promise<Record<string, unknown>> {
  const [current, next] = await readContract(client, {
    address: emissions,
    abi: emissionsAbi,
    functionName: "schedules",
    ...when,
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
): Promise<EncodedChange> {
  const [key, field, ...rest] = parameters.parameter.split(".");
  if (!key || !field || rest.length > 0 || !(parameterKeys as readonly string[]).includes(key)) {
    throw new GovernanceParameterError(
      `"${parameters.parameter}" is not contract.field; contracts: ${parameterKeys.join(", ")}`,
    );
  }
  const contract = governedContracts(parameters.deployment).find((c) => c.key === key);
  if (!contract) throw new GovernanceParameterError(`this deployment has no ${contractName(key as ContractKey)}`);
  const setter = addressSetters[parameters.parameter];
  let functionName: string;
  let args: readonly unknown[];
  if (setter) {
    functionName = setter.functionName;
    args = [parseField({ name: field, type: "address" }, parameters.value, parameters.parameter)];
  } else {
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
    if (key === "emissions") {
      const next = { ...(await latestSchedule(client, contract.address, {})), [field]: value };
      functionName = "setSchedule";
      args = [Number(next.length), BigInt(next.emission as bigint), BigInt(next.decay as bigint)];
    } else {
      const current = (await readContract(client, {
        address: contract.address,
        abi: contract.abi,
        functionName: "parameters",
      })) as Record<string, unknown>;
      functionName = "setParameters";
      args = [{ ...current, [field]: value }];
    }
  }
  const calldata = encodeFunctionData({ abi: contract.abi, functionName, args });
  const described = await describeParameterCall(client, { contract, functionName, args });
  return { call: { target: contract.address, value: 0n, calldata }, summary: described?.text ?? functionName };
}

/** Parameters of `describeParameterCall`: a decoded call to an OCX contract, and the block to read values at. */
export interface DescribeDecodedCallParameters {
  contract: GovernedContract;
  functionName: string;
  args: readonly unknown[];
  /** Read the values the call changes at this block (the latest when absent). */
  blockNumber?: bigint;
}

/**
 * A parameter call in words and values, against the values at `blockNumber` (the latest when absent):
 * `setParameters` as the fields it changes ("Marketplace.setParameters: feeBps 250 → 100"), Emissions'
 * `setSchedule` against the latest schedule ("Emissions.setSchedule (from the next epoch): emission 1000 → 500"),
 * the guardian and the oracle against theirs ("Marketplace.setGuardian: guardian 0xA… → 0xB…"). `undefined` for
 * any other call.
 * @example
 * await describeParameterCall(publicClient, { contract, functionName: "setParameters", args: [next] });
 */
export async function describeParameterCall(
  client: ReadClient,
  parameters: DescribeDecodedCallParameters,
): Promise<CallDescription | undefined> {
  const { contract, functionName, args, blockNumber } = parameters;
  const when: ReadAt = blockNumber === undefined ? {} : { blockNumber };
  const described = (changes: CallChange[], note = "") => ({
    contract: contract.name,
    functionName,
    text: `${contract.name}.${functionName}${note}: ${showChanges(changes)}`,
    changes,
  });
  const isParameterContract = (parameterKeys as readonly string[]).includes(contract.key);
  if (functionName === "setParameters" && isParameterContract && args[0]) {
    const next = args[0] as Record<string, unknown>;
    const before = (await readContract(client, {
      address: contract.address,
      abi: contract.abi,
      functionName: "parameters",
      ...when,
    })) as Record<string, unknown>;
    return described(
      Object.keys(next)
        .filter((k) => showValue(before[k]) !== showValue(next[k]))
        .map((k) => ({ setting: k, before: showValue(before[k]), after: showValue(next[k]) })),
    );
  }
  const setter = Object.entries(addressSetters).find(
    ([k, v]) => v.functionName === functionName && k.split(".")[0] === contract.key,
  );
  if (setter) {
    const field = setter[0].split(".")[1] as string;
    const before = await setter[1].read(client, contract.address, when);
    return described([{ setting: field, before, after: showValue(args[0]) }]);
  }
  if (functionName === "setSchedule" && contract.key === "emissions") {
    const latest = await latestSchedule(client, contract.address, when);
    return described(
      scheduleFields
        .map((f, i) => ({ setting: f.name, before: showValue(latest[f.name]), after: showValue(args[i]) }))
        .filter((c) => c.before !== c.after),
      " (from the next epoch)",
    );
  }
  return undefined;
}
