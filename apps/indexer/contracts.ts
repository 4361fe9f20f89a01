// The contracts the indexer reads: one line each, `[deployment key, Ponder name, ABI]`. Adding a contract to the
// index is adding its line here (its ABI from the SDK's generated ABIs, its address from the deployment file's key):
// every event of its ABI is then stored in `event_log`, with no other change. A contract whose key the deployment
// file lacks is skipped (older deployments, or contracts not deployed on this chain).
import { readFileSync } from "node:fs";
import {
  marketplaceAbi,
  ocxTokenAbi,
  parseDeployment,
  proofOfComputeAbi,
  providerRegistryAbi,
  spotChecksAbi,
  validatorRegistryAbi,
} from "@ocx/sdk";
import type { Abi } from "viem";

/** `[deployment key, contract name in Ponder, ABI]` per indexed contract. */
export const INDEXED_CONTRACTS: readonly (readonly [key: string, name: string, abi: Abi])[] = [
  ["token", "OcxToken", ocxTokenAbi],
  ["registry", "ProviderRegistry", providerRegistryAbi],
  ["marketplace", "Marketplace", marketplaceAbi],
  ["validatorRegistry", "ValidatorRegistry", validatorRegistryAbi],
  ["proofOfCompute", "ProofOfCompute", proofOfComputeAbi],
  ["spotChecks", "SpotChecks", spotChecksAbi],
];

/** A contract the indexer reads on this deployment. */
export interface IndexedContract {
  key: string;
  name: string;
  abi: Abi;
  address: `0x${string}`;
}

/** The deployment the indexer reads (`OCX_DEPLOYMENT_FILE`) and its contracts that are in INDEXED_CONTRACTS. */
export function loadIndexedDeployment(): { chainId: number; startBlock: number; contracts: IndexedContract[] } {
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
  const deployment = parseDeployment(JSON.parse(text), file) as unknown as Record<string, unknown> & {
    chainId: number;
    startBlock: number;
  };
  const contracts: IndexedContract[] = [];
  for (const [key, name, abi] of INDEXED_CONTRACTS) {
    const address = deployment[key];
    if (typeof address === "string") contracts.push({ key, name, abi, address: address as `0x${string}` });
  }
  return { chainId: deployment.chainId, startBlock: deployment.startBlock, contracts };
}
