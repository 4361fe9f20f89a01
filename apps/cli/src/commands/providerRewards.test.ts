// Runs the built `ocx provider rewards` against a local chain: --record counts a running lease's paid time
// (unverified here: the provider holds no attestation, so no units and nothing to claim), and the output says so.

import { registerStakedProvider } from "@ocx/node-kit";
import {
  acknowledgeLeaseSync,
  emissionsAbi,
  ensureAllowance,
  getCountedUntil,
  postOfferSync,
  takeOfferSync,
  toLabel,
} from "@ocx/sdk";
import { keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliFixture, startCliFixture } from "./testSupport.js";

let cli: CliFixture | undefined;

beforeAll(async () => {
  cli = await startCliFixture("rewards");
}, 60_000);
afterAll(() => cli?.stop());

const ocx = (args: string[]) => (cli as CliFixture).ocx(args);
const net = () => (cli as CliFixture).net;

describe("ocx provider rewards", () => {
  it("records a running lease and shows no verified work for an unattested provider", async () => {
    const { deployment, publicClient } = net();
    const provider = net().wallet(1);
    const buyer = net().wallet(2);
    await registerStakedProvider(net(), provider);
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
