import { describe, expect, it } from "vitest";
import { chainFor, NETWORKS } from "./chains.js";
import { NETWORK_URLS, resolveRpcUrl, UnknownNetworkError } from "./networks.js";

describe("networks", () => {
  it("resolves names and passes URLs through", () => {
    expect(resolveRpcUrl("base-sepolia")).toBe("https://sepolia.base.org");
    expect(resolveRpcUrl("local")).toBe("http://127.0.0.1:8545");
    expect(resolveRpcUrl("http://127.0.0.1:9545")).toBe("http://127.0.0.1:9545");
  });
  it("names the known networks when one is unknown", () => {
    expect(() => resolveRpcUrl("mainnet-ish")).toThrow(UnknownNetworkError);
    expect(() => resolveRpcUrl("mainnet-ish")).toThrow(/base-sepolia/);
  });
  it("builds a chain at the given RPC URL", () => {
    const chain = chainFor(84532, "http://rpc.example");
    expect(chain.id).toBe(84532);
    expect(chain.rpcUrls.default.http[0]).toBe("http://rpc.example");
    expect(chainFor(999, "http://x").name).toBe("chain 999");
  });
  it("names each network's chain by the same id in both tables", () => {
    for (const [name, { chainId, rpcUrl }] of Object.entries(NETWORK_URLS)) {
      expect(NETWORKS[name as keyof typeof NETWORKS].chain.id, name).toBe(chainId);
      expect(NETWORKS[name as keyof typeof NETWORKS].rpcUrl, name).toBe(rpcUrl);
    }
  });
});
