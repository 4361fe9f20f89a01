// The contracts the indexer reads: one line each, `[deployment key, Ponder name, the SDK's ABI export]`. Adding a contract to the
// index is adding its line here (its ABI from the SDK's generated ABIs, its address from the deployment file's key):
// every event of its ABI is then stored in `event_log`, with no other change. A contract whose key the deployment
// file lacks is skipped (older deployments, or contracts not deployed on this chain).
import { readFileSync } from "node:fs";
import * as sdk from "@ocx/sdk";
import type { Abi } from "viem";

/**
 * `[deployment key, contract name in Ponder, the SDK's ABI export]` per indexed contract. Optional contracts (credits,
 * governance, payment channels, the inference registry) are skipped where the deployment lacks their key, or where
 * the SDK does not export their ABI yet.
 */
export const INDEXED_CONTRACTS: readonly (readonly [key: string, name: string, abi: string])[] = [
  ["token", "OcxToken", "ocxTokenAbi"],
  ["registry", "ProviderRegistry", "providerRegistryAbi"],
  ["marketplace", "Marketplace", "marketplaceAbi"],
  ["validatorRegistry", "ValidatorRegistry", "validatorRegistryAbi"],
  ["proofOfCompute", "ProofOfCompute", "proofOfComputeAbi"],
  ["spotChecks", "SpotChecks", "spotChecksAbi"],
  ["emissions", "Emissions", "emissionsAbi"],
  ["credits", "OcxCredits", "ocxCreditsAbi"],
  ["priceFeed", "PriceFeed", "priceFeedAbi"],
  ["governor", "OcxGovernor", "ocxGovernorAbi"],
  ["timelock", "OcxTimelock", "ocxTimelockAbi"],
  ["paymentChannels", "PaymentChannels", "paymentChannelsAbi"],
  ["inferenceRegistry", "InferenceRegistry", "inferenceRegistryAbi"],
];

/** A contract the indexer reads on this deployment. */
export interface IndexedContract {
  key: string;
  name: string;
  abi: Abi;
  address: `0x${string}`;
}

/** The deployment the indexer reads (`OCX_DEPLOYMENT_FILE`) and its contracts that are in INDEXED_CONTRACTS. */
export function loadIndexedDeployment(): {
  chainId: number;
  startBlock: number;
  /** The ERC-20 the Marketplace settles in (OcxCredits, $1 each, or OCX), and whether that is credits. */
  paymentToken: `0x${string}`;
  settlesInCredits: boolean;
  contracts: IndexedContract[];
} {
  const file = process.env.OCX_DEPLOYMENT_FILE;
  if (!file) {
    throw new Error("OCX_DEPLOYMENT_FILE is not set: point it at deployments/<chainId>.json (written by the deployer)");
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`OCX_DEPLOYMENT_FILE=${file} cannot be read: deploy first (\`npm run devnet\`)`);
  }
  const deployment = sdk.parseDeployment(JSON.parse(text), file);
  const addresses = deployment as unknown as Record<string, unknown>;
  const abis = sdk as unknown as Record<string, Abi | undefined>;
  const contracts: IndexedContract[] = [];
  for (const [key, name, abiName] of INDEXED_CONTRACTS) {
    const address = addresses[key];
    const abi = abis[abiName];
    if (typeof address === "string" && abi) contracts.push({ key, name, abi, address: address as `0x${string}` });
  }
  return {
    chainId: deployment.chainId,
    startBlock: deployment.startBlock,
    paymentToken: deployment.paymentToken,
    settlesInCredits: sdk.paymentUnit(deployment) === "usd",
    contracts,
  };
}
