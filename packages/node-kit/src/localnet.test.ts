import { MARKET_ROLE, marketplaceAbi, ocxTokenAbi, providerRegistryAbi } from "@ocx/sdk";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Localnet, startLocalnet } from "./localnet.js";

// A real anvil with the real contracts: what `ocx devnet`, the e2e tests and the benchmarks start from.
describe("startLocalnet", () => {
  let net: Localnet;
  beforeAll(async () => {
    net = await startLocalnet({ deploy: { feeBps: 300, ackWindow: 60 } });
  });
  afterAll(async () => {
    await net?.stop();
  });

  it("deploys the contracts wired together with the given parameters", async () => {
    const { publicClient, deployment } = net;
    expect(
      await publicClient.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "token" }),
    ).toBe(deployment.token);
    expect(
      await publicClient.readContract({
        address: deployment.marketplace,
        abi: marketplaceAbi,
        functionName: "registry",
      }),
    ).toBe(deployment.registry);
    const parameters = await publicClient.readContract({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "parameters",
    });
    expect(parameters.feeBps).toBe(300);
    expect(parameters.ackWindow).toBe(60);
    expect(
      await publicClient.readContract({
        address: deployment.registry,
        abi: providerRegistryAbi,
        functionName: "hasRole",
        args: [MARKET_ROLE, deployment.marketplace],
      }),
    ).toBe(true);
  });

  it("funds accounts 1–9 from the treasury, and the supply adds up", async () => {
    const { publicClient, deployment } = net;
    const balance = (i: number) =>
      publicClient.readContract({
        address: deployment.token,
        abi: ocxTokenAbi,
        functionName: "balanceOf",
        args: [net.wallet(i).account.address],
      });
    for (let i = 1; i < 10; i++) expect(await balance(i)).toBe(parseEther("100000"));
    expect(await balance(0)).toBe(parseEther("1000000000") - 9n * parseEther("100000"));
  });

  it("stops anvil", async () => {
    const other = await startLocalnet();
    await other.stop();
    await expect(fetch(other.anvil.rpcUrl, { method: "POST" })).rejects.toThrow();
  });
});
