// Runs the built `ocx provider rewards` against a local chain: --record counts a running lease's paid time
// (unverified here: the provider holds no attestation, so no units and nothing to claim), and the output says so.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Localnet, startLocalnet } from "@ocx/node-kit";
import {
  acknowledgeLeaseSync,
  emissionsAbi,
  ensureAllowance,
  getCountedUntil,
  postOfferSync,
  registerProviderSync,
  stakeSync,
  takeOfferSync,
  toLabel,
  writeDeployment,
} from "@ocx/sdk";
import { keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/ocx.js", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../../dist/bundle/ocx.js", import.meta.url));

let net: Localnet | undefined;
let home: string | undefined;

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` before this test`);
  home = await mkdtemp(path.join(os.tmpdir(), "ocx-rewards-"));
  net = await startLocalnet();
  await writeDeployment(net.deployment, path.join(home, "deployments"));
}, 60_000);
afterAll(async () => {
  await net?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

function ocx(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { anvil } = net as Localnet;
  const global = ["--rpc-url", anvil.rpcUrl, "--deployments", path.join(home as string, "deployments")];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...global, ...args],
      { env: { ...process.env, OCX_HOME: home }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("ocx provider rewards", () => {
  it("records a running lease and shows no verified work for an unattested provider", async () => {
    const { deployment, publicClient } = net as Localnet;
    const provider = (net as Localnet).wallet(1);
    const buyer = (net as Localnet).wallet(2);
    await registerProviderSync(provider, {
      deployment,
      endpoint: "https://provider.example",
      region: toLabel("eu-west"),
      metadataHash: keccak256(toHex("metadata")),
      apiSigner: provider.account.address,
    });
    await ensureAllowance(provider, { deployment, spender: deployment.registry, amount: parseEther("1000") });
    await stakeSync(provider, { deployment, amount: parseEther("1000") });
    const resources = {
      gpuModel: toLabel("nvidia-h100-80gb"),
      region: toLabel("eu-west"),
      gpuCount: 1,
      gpuVramMiB: 81_559,
      cpuMillicores: 8_000,
      memoryMiB: 65_536,
      diskMiB: 100_000,
    };
    const { event: offer } = await postOfferSync(provider, {
      deployment,
      resources,
      pricePerSecond: 10n ** 14n,
      maxLeases: 1,
      minDuration: 60,
      maxDuration: 86_400,
    });
    await ensureAllowance(buyer, { deployment, spender: deployment.marketplace, amount: parseEther("10") });
    const { event: lease } = await takeOfferSync(buyer, {
      deployment,
      offerId: offer.offerId,
      maxPricePerSecond: 10n ** 14n,
      manifestHash: keccak256(toHex("job")),
      deposit: parseEther("1"),
    });
    await acknowledgeLeaseSync(provider, { deployment, leaseId: lease.leaseId });

    const run = await ocx(["--dev-account", "1", "provider", "rewards", "--record", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { recorded: string[]; epochs: unknown[] };
    expect(out.recorded).toHaveLength(1);
    expect(out.epochs).toEqual([]);
    expect(await getCountedUntil(publicClient, { deployment, leaseId: lease.leaseId })).toBeGreaterThan(0n);
    const logs = await publicClient.getContractEvents({
      address: deployment.emissions as `0x${string}`,
      abi: emissionsAbi,
      eventName: "WorkRecorded",
      fromBlock: 0n,
    });
    expect(logs.map((l) => l.args.verified)).toEqual([false]);

    const text = await ocx(["--dev-account", "1", "provider", "rewards"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/no verified work recorded yet/);
  }, 60_000);
});
