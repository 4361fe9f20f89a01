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
    ).toBe(deployment.paymentToken);
    expect(deployment.paymentToken).toBe(deployment.credits); // the market settles in credits
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

  it("funds accounts 1–9 from the treasury with OCX and credits, and the supply adds up", async () => {
    const { publicClient, deployment } = net;
    const balance = (i: number, address = deployment.token) =>
      publicClient.readContract({
        address,
        abi: ocxTokenAbi,
        functionName: "balanceOf",
        args: [net.wallet(i).account.address],
      });
    const supply = (address: `0x${string}`) =>
      publicClient.readContract({ address, abi: ocxTokenAbi, functionName: "totalSupply" });
    for (let i = 1; i < 10; i++) {
      expect(await balance(i)).toBe(parseEther("100000"));
      expect(await balance(i, deployment.paymentToken)).toBe(parseEther("100000")); // $100,000 of credits
    }
    // The treasury burned OCX to mint the credits: what it holds plus what it burned is what it did not send.
    const burned = parseEther("1000000000") - (await supply(deployment.token));
    expect(burned).toBeGreaterThan(0n);
    expect(await balance(0)).toBe(parseEther("1000000000") - 9n * parseEther("100000") - burned);
    // $900,000 at $0.50 (8-decimal feed) with the 0.5 % spread: ceil(900,000e18 × 1e8 × 10,000 / (5e7 × 9,950)).
    const numerator = parseEther("900000") * 10n ** 8n * 10_000n;
    const denominator = 50_000_000n * 9_950n;
    expect(burned).toBe((numerator + denominator - 1n) / denominator);
  });

  it("stops anvil", async () => {
    const other = await startLocalnet();
    await other.stop();
    await expect(fetch(other.anvil.rpcUrl, { method: "POST" })).rejects.toThrow();
  });
});
