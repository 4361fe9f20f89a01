// Chains OCX knows by name, so tools accept `base-sepolia` as readily as an RPC URL.
import { type Chain, defineChain } from "viem";
import { arbitrum, arbitrumSepolia, base, baseSepolia, foundry } from "viem/chains";
import { OcxUsageError } from "./errors.js";

/** Named networks: their chain and public RPC URL. `local` is the embedded anvil of `ocx devnet`. */
export type NetworkName = "local" | "base" | "base-sepolia" | "arbitrum" | "arbitrum-sepolia";

/**
 * Each named network's viem chain and public RPC URL.
 * @example
 * NETWORKS["base-sepolia"].chain.id; // 84532
 */
export const NETWORKS: Record<NetworkName, { chain: Chain; rpcUrl: string }> = {
  local: { chain: foundry, rpcUrl: "http://127.0.0.1:8545" },
  base: { chain: base, rpcUrl: "https://mainnet.base.org" },
  "base-sepolia": { chain: baseSepolia, rpcUrl: "https://sepolia.base.org" },
  arbitrum: { chain: arbitrum, rpcUrl: "https://arb1.arbitrum.io/rpc" },
  "arbitrum-sepolia": { chain: arbitrumSepolia, rpcUrl: "https://sepolia-rollup.arbitrum.io/rpc" },
};

/**
 * A network name that is not known and is not a URL (a usage error, exit 2).
 * @example
 * try { resolveRpcUrl("mainnet") } catch (e) { if (e instanceof UnknownNetworkError) console.error(e.shortMessage) }
 */
export class UnknownNetworkError extends OcxUsageError {
  override name = "UnknownNetworkError";
}

/**
 * Turns a network name or an RPC URL into the RPC URL to use.
 * @example
 * resolveRpcUrl("base-sepolia") // "https://sepolia.base.org"
 * resolveRpcUrl("http://127.0.0.1:9545") // "http://127.0.0.1:9545"
 */
export function resolveRpcUrl(nameOrUrl: string): string {
  if (/^(https?|wss?):\/\//.test(nameOrUrl)) return nameOrUrl;
  const network = NETWORKS[nameOrUrl as NetworkName];
  if (!network) {
    throw new UnknownNetworkError(
      `"${nameOrUrl}" is neither an RPC URL nor a known network (${Object.keys(NETWORKS).join(", ")})`,
    );
  }
  return network.rpcUrl;
}

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
