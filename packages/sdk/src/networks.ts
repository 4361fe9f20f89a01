// Networks OCX knows by name, so tools accept `base-sepolia` as readily as an RPC URL: plain data, no viem.
import { OcxUsageError } from "./errors.js";

/** Named networks: their chain and public RPC URL. `local` is the embedded anvil of `ocx devnet`. */
export type NetworkName = "local" | "base" | "base-sepolia" | "arbitrum" | "arbitrum-sepolia";

/**
 * Each named network's chain id and public RPC URL.
 * @example
 * NETWORK_URLS["base-sepolia"]; // { chainId: 84532, rpcUrl: "https://sepolia.base.org" }
 */
export const NETWORK_URLS: Record<NetworkName, { chainId: number; rpcUrl: string }> = {
  local: { chainId: 31337, rpcUrl: "http://127.0.0.1:8545" },
  base: { chainId: 8453, rpcUrl: "https://mainnet.base.org" },
  "base-sepolia": { chainId: 84532, rpcUrl: "https://sepolia.base.org" },
  arbitrum: { chainId: 42161, rpcUrl: "https://arb1.arbitrum.io/rpc" },
  "arbitrum-sepolia": { chainId: 421614, rpcUrl: "https://sepolia-rollup.arbitrum.io/rpc" },
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
  const network = NETWORK_URLS[nameOrUrl as NetworkName];
  if (!network) {
    throw new UnknownNetworkError(
      `"${nameOrUrl}" is neither an RPC URL nor a known network (${Object.keys(NETWORK_URLS).join(", ")})`,
    );
  }
  return network.rpcUrl;
}
