// The viem chain of each network OCX knows by name (names and URLs alone are in ./networks.ts, which loads no viem
// chain definitions: their OP-stack formatters and serializers are most of a light command's code).
import { type Chain, defineChain } from "viem";
import { arbitrum, arbitrumSepolia, base, baseSepolia, foundry } from "viem/chains";
import { NETWORK_URLS, type NetworkName } from "./networks.js";

/**
 * Each named network's viem chain and public RPC URL.
 * @example
 * NETWORKS["base-sepolia"].chain.id; // 84532
 */
export const NETWORKS: Record<NetworkName, { chain: Chain; rpcUrl: string }> = {
  local: { chain: foundry, rpcUrl: NETWORK_URLS.local.rpcUrl },
  base: { chain: base, rpcUrl: NETWORK_URLS.base.rpcUrl },
  "base-sepolia": { chain: baseSepolia, rpcUrl: NETWORK_URLS["base-sepolia"].rpcUrl },
  arbitrum: { chain: arbitrum, rpcUrl: NETWORK_URLS.arbitrum.rpcUrl },
  "arbitrum-sepolia": { chain: arbitrumSepolia, rpcUrl: NETWORK_URLS["arbitrum-sepolia"].rpcUrl },
};

/**
 * The viem chain for `chainId` served at `rpcUrl`: the known chain's definition when there is one.
 * @example
 * chainFor(31337, "http://127.0.0.1:8545").name // "Foundry"
 */
export function chainFor(chainId: number, rpcUrl: string): Chain {
  const known = Object.values(NETWORKS).find((n) => n.chain.id === chainId)?.chain;
  return defineChain({
    ...(known ?? {
      id: chainId,
      name: `chain ${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    }),
    rpcUrls: { default: { http: [rpcUrl] } },
  } as Chain);
}
