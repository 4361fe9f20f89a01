// What governance can reach: every OCX contract of a deployment by its key (`marketplace`, `token`, …), name and
// ABI; and the shape every governed call is described in (its changes, each value before → after).
import type { Abi, Address } from "viem";
import { isAddressEqual } from "viem";
import type { Deployment } from "../deployment.js";
import { EXIT, OcxError, type OcxErrorOptions } from "../errors.js";
import {
  emissionsAbi,
  inferenceRegistryAbi,
  marketplaceAbi,
  ocxCreditsAbi,
  ocxGovernorAbi,
  ocxTimelockAbi,
  ocxTokenAbi,
  paymentChannelsAbi,
  priceFeedAbi,
  proofOfComputeAbi,
  providerRegistryAbi,
  spotChecksAbi,
  validatorRegistryAbi,
} from "../generated/abis.js";

/**
 * Thrown when a setting, role, model or value given for a proposal is not one governance can set; the message
 * says what was wrong and what is valid. Exits with `EXIT.usage` in the CLI.
 * @example
 * try { await encodeParameterChange(client, { deployment, parameter: "marketplace.fee", value: "1" }) }
 * catch (e) { if (e instanceof GovernanceParameterError) console.error(e.shortMessage) }
 */
export class GovernanceParameterError extends OcxError {
  override name = "GovernanceParameterError";
  constructor(shortMessage: string, options: OcxErrorOptions = {}) {
    super(shortMessage, { exitCode: EXIT.usage, ...options });
  }
}

/** The deployment key of each OCX contract and its name and ABI. */
const contracts = {
  token: { name: "OcxToken", abi: ocxTokenAbi as Abi },
  registry: { name: "ProviderRegistry", abi: providerRegistryAbi as Abi },
  marketplace: { name: "Marketplace", abi: marketplaceAbi as Abi },
  validatorRegistry: { name: "ValidatorRegistry", abi: validatorRegistryAbi as Abi },
  proofOfCompute: { name: "ProofOfCompute", abi: proofOfComputeAbi as Abi },
  spotChecks: { name: "SpotChecks", abi: spotChecksAbi as Abi },
  emissions: { name: "Emissions", abi: emissionsAbi as Abi },
  credits: { name: "OcxCredits", abi: ocxCreditsAbi as Abi },
  priceFeed: { name: "PriceFeed", abi: priceFeedAbi as Abi },
  governor: { name: "OcxGovernor", abi: ocxGovernorAbi as Abi },
  timelock: { name: "OcxTimelock", abi: ocxTimelockAbi as Abi },
  inferenceRegistry: { name: "InferenceRegistry", abi: inferenceRegistryAbi as Abi },
  paymentChannels: { name: "PaymentChannels", abi: paymentChannelsAbi as Abi },
} as const;

/** The key of an OCX contract in a deployment (`marketplace`, `token`, `credits`, …). */
export type ContractKey = keyof typeof contracts;

/** One OCX contract of a deployment. */
export interface GovernedContract {
  key: ContractKey;
  /** The contract's name, e.g. "Marketplace". */
  name: string;
  address: Address;
  abi: Abi;
}

/**
 * Every OCX contract the deployment has, with its key, name, address and ABI.
 * @example
 * governedContracts(deployment).map((c) => c.name); // ["OcxToken", "ProviderRegistry", "Marketplace", …]
 */
export function governedContracts(deployment: Deployment): GovernedContract[] {
  return (Object.keys(contracts) as ContractKey[]).flatMap((key) => {
    const address = deployment[key];
    return address ? [{ key, ...contracts[key], address }] : [];
  });
}

/**
 * The OCX contract at `address`, if it is one of the deployment's.
 * @example
 * contractAt(deployment, deployment.marketplace)?.name; // "Marketplace"
 */
export function contractAt(deployment: Deployment, address: Address): GovernedContract | undefined {
  return governedContracts(deployment).find((c) => isAddressEqual(c.address, address));
}

/** The name of the contract with deployment key `key`, e.g. "Marketplace" for `marketplace`. */
export function contractName(key: ContractKey): string {
  return contracts[key].name;
}

/** One setting a call changes, with its value before the call and after it, as text (integers exact). */
export interface CallChange {
  /** What changes, e.g. `feeBps`, `guardian`, `MINTER_ROLE of 0x…`, `nvidia-h100-80gb.n`. */
  setting: string;
  before: string;
  after: string;
}

/** A proposal call in words and in values. */
export interface CallDescription {
  /** The contract's name, e.g. "Marketplace"; the target address for a call outside the deployment. */
  contract: string;
  /** The function called; absent when the calldata matches none of the contract's. */
  functionName?: string;
  /** In words: "Marketplace.setParameters: feeBps 250 → 100". */
  text: string;
  /** Each setting the call changes against the values read (empty when it changes none, or is not described). */
  changes: CallChange[];
}

/** Shows a value read from or sent to a contract as text: integers in full, addresses as they are. */
export const showValue = (v: unknown): string =>
  typeof v === "bigint" || typeof v === "number" ? v.toString() : String(v);

/** "a → b, c → d" from changes, or "no change". */
export function showChanges(changes: readonly CallChange[]): string {
  return changes.length > 0 ? changes.map((c) => `${c.setting} ${c.before} → ${c.after}`).join(", ") : "no change";
}
