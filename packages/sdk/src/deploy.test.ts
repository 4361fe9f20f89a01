// deployOcx on a real anvil with a separate admin: the trust contracts' roles are wired and handed over, and the
// model table matches @ocx/proofs.
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestnet, type Testnet } from "./actions/testnet.test-fixture.js";
import {
  BOND_ROLE,
  MARKET_ROLE,
  PARAMETER_ADMIN_ROLE,
  proofModelTable,
  SLASHER_ROLE,
  VALIDATOR_ADMIN_ROLE,
} from "./deploy.js";
import {
  marketplaceAbi,
  ocxTokenAbi,
  proofOfComputeAbi,
  providerRegistryAbi,
  validatorRegistryAbi,
} from "./generated/abis.js";

const ADMIN: Address = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"; // anvil account 4

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet({ admin: ADMIN, cpuChallenge: { n: 64 } });
}, 60_000);
afterAll(async () => {
  await net?.stop();
});

describe("deployOcx with a separate admin", () => {
  it("wires the trust contracts' roles and hands every role to the admin", async () => {
    const { deployment, publicClient: client } = net;
    const registry = deployment.registry;
    const validators = deployment.validatorRegistry as Address;
    const proofs = deployment.proofOfCompute as Address;
    const spotChecks = deployment.spotChecks as Address;
    const deployer = deployment.deployer;
    const has = (address: Address, abi: typeof providerRegistryAbi, role: `0x${string}`, account: Address) =>
      client.readContract({ address, abi, functionName: "hasRole", args: [role, account] });

    expect(await has(registry, providerRegistryAbi, MARKET_ROLE, deployment.marketplace)).toBe(true);
    for (const slasher of [proofs, spotChecks]) {
      expect(await has(registry, providerRegistryAbi, SLASHER_ROLE, slasher)).toBe(true);
      expect(await has(validators, validatorRegistryAbi as never, BOND_ROLE, slasher)).toBe(true);
    }
    for (const [address, abi, roles] of [
      [registry, providerRegistryAbi, [PARAMETER_ADMIN_ROLE]],
      [validators, validatorRegistryAbi, [PARAMETER_ADMIN_ROLE, VALIDATOR_ADMIN_ROLE]],
    ] as const) {
      for (const role of roles) {
        expect(await has(address, abi as never, role, ADMIN)).toBe(true);
        expect(await has(address, abi as never, role, deployer)).toBe(false);
      }
    }
    // ProofOfCompute's admin and the registries' admin role wait for the admin's acceptance (two steps).
    const [current, pendingAdmin] = await client.readContract({
      address: proofs,
      abi: proofOfComputeAbi,
      functionName: "roles",
    });
    expect(current).toBe(deployer);
    expect(pendingAdmin).toBe(ADMIN);
    for (const [address, abi] of [
      [registry, providerRegistryAbi],
      [validators, validatorRegistryAbi],
    ] as const) {
      const [pending] = (await client.readContract({
        address,
        abi: abi as typeof providerRegistryAbi,
        functionName: "pendingDefaultAdmin",
      })) as readonly [Address, number];
      expect(pending).toBe(ADMIN);
    }
  });

  it("fills the model table from @ocx/proofs, with the cpu override", async () => {
    const { deployment, publicClient: client } = net;
    const table = proofModelTable({ n: 64 });
    expect(table.find((m) => m.model === "cpu")).toMatchObject({ n: 64, steps: 2 });
    for (const entry of table) {
      const size = await client.readContract({
        address: deployment.proofOfCompute as Address,
        abi: proofOfComputeAbi,
        functionName: "modelSize",
        args: [entry.label],
      });
      expect(size).toEqual({ n: entry.n, steps: entry.steps, deadlineSeconds: entry.deadlineSeconds });
    }
  });
});

describe("deployOcx's payment token", () => {
  it("deploys credits before the Marketplace, which settles in them, and keeps the token's predictions", async () => {
    const { deployment, publicClient: client } = net;
    expect(deployment.credits).toBeDefined();
    expect(deployment.paymentToken).toBe(deployment.credits);
    expect(
      await client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "token" }),
    ).toBe(deployment.credits);
    // OcxToken was told the registry and marketplace addresses before they existed (its non-voting escrows).
    const escrow = (functionName: "registryEscrow" | "marketplaceEscrow") =>
      client.readContract({ address: deployment.token, abi: ocxTokenAbi, functionName });
    expect(await escrow("registryEscrow")).toBe(deployment.registry);
    expect(await escrow("marketplaceEscrow")).toBe(deployment.marketplace);
  });

  it("with credits: false settles in OCX and deploys no credits", async () => {
    const ocx = await startTestnet({ credits: false, cpuChallenge: { n: 64 } });
    try {
      expect(ocx.deployment.credits).toBeUndefined();
      expect(ocx.deployment.paymentToken).toBe(ocx.deployment.token);
      expect(
        await ocx.publicClient.readContract({
          address: ocx.deployment.marketplace,
          abi: marketplaceAbi,
          functionName: "token",
        }),
      ).toBe(ocx.deployment.token);
    } finally {
      await ocx.stop();
    }
  }, 60_000);
});
