// The simulation's emission formulas against the real Emissions contract on anvil: the schedule, the decay by
// squaring, the epochs' bounds and a schedule change, so the TypeScript model and the contract cannot drift.
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getEmission } from "../actions/emissions/getEmission.js";
import { getEmissionSchedules } from "../actions/emissions/getEmissionSchedules.js";
import { getEpochAt } from "../actions/emissions/getEpochAt.js";
import { startTestnet, type Testnet } from "../actions/testnet.test-fixture.js";
import { MINTER_ROLE } from "../deploy.js";
import { emissionsAbi, ocxTokenAbi } from "../generated/abis.js";
import { decayFactor, type EmissionScheduleSegment, emissionOf, epochAt, rewardOf } from "./emissions.js";

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet({ emissions: { epochLength: 60, emission: parseEther("1000"), decay: parseEther("0.05") } });
}, 60_000);
afterAll(async () => {
  await net?.stop();
});

const segmentOf = (s: {
  firstEpoch: bigint;
  start: bigint;
  length: number;
  emission: bigint;
  decay: bigint;
}): EmissionScheduleSegment => ({ ...s, length: BigInt(s.length) });

describe("emission formulas = Emissions.sol", () => {
  it("deployOcx lets Emissions mint", async () => {
    const { deployment, publicClient } = net;
    const emissions = deployment.emissions as `0x${string}`;
    expect(
      await publicClient.readContract({
        address: deployment.token,
        abi: ocxTokenAbi,
        functionName: "hasRole",
        args: [MINTER_ROLE, emissions],
      }),
    ).toBe(true);
  });

  it("decayFactor matches the contract's for decays and epoch counts across their range", async () => {
    const { deployment, publicClient } = net;
    const decays = [0n, 1n, 10n ** 15n, 2n * 10n ** 16n, 123_456_789_012_345_678n, 5n * 10n ** 17n, 10n ** 18n];
    const counts = [0n, 1n, 2n, 3n, 7n, 52n, 104n, 365n, 1000n, 65_535n];
    for (const d of decays) {
      for (const n of counts) {
        const onChain = await publicClient.readContract({
          address: deployment.emissions as `0x${string}`,
          abi: emissionsAbi,
          functionName: "decayFactor",
          args: [d, n],
        });
        expect(decayFactor(d, n), `decay ${d}, n ${n}`).toBe(onChain);
      }
    }
  });

  it("emissionOf and epochAt match over 40 epochs, and across a schedule change", async () => {
    const { deployment, publicClient } = net;
    const [current] = await getEmissionSchedules(publicClient, { deployment });
    const segment = segmentOf(current);
    for (let e = 0n; e < 40n; e++) {
      expect(emissionOf(segment, e), `epoch ${e}`).toBe(await getEmission(publicClient, { deployment, epoch: e }));
    }
    for (const dt of [0n, 1n, 59n, 60n, 61n, 3_599n, 86_400n]) {
      const [epoch, start, end] = await getEpochAt(publicClient, { deployment, time: segment.start + dt });
      expect({ epoch, start, end }).toEqual(epochAt(segment, segment.start + dt));
    }

    // A change applies from the next epoch: the running epoch keeps its emission.
    const block = await publicClient.getBlock();
    const running = epochAt(segment, block.timestamp);
    const admin = net.wallet(0);
    const hash = await admin.writeContract({
      address: deployment.emissions as `0x${string}`,
      abi: emissionsAbi,
      functionName: "setSchedule",
      args: [120, parseEther("777"), parseEther("0.1")],
    });
    await publicClient.waitForTransactionReceipt({ hash });
    const [, next] = await getEmissionSchedules(publicClient, { deployment });
    const later = segmentOf(next);
    expect(later.firstEpoch).toBe(running.epoch + 1n);
    expect(await getEmission(publicClient, { deployment, epoch: running.epoch })).toBe(
      emissionOf(segment, running.epoch),
    );
    for (let e = later.firstEpoch; e < later.firstEpoch + 20n; e++) {
      expect(emissionOf(later, e)).toBe(await getEmission(publicClient, { deployment, epoch: e }));
    }
    const [epoch, start, end] = await getEpochAt(publicClient, { deployment, time: later.start + 250n });
    expect({ epoch, start, end }).toEqual(epochAt(later, later.start + 250n));
  });

  it("rewardOf rounds down and sums to at most the emission", () => {
    const emission = parseEther("1000") + 1n;
    const shares = [1n, 2n, 3n, 5n, 7n];
    const total = shares.reduce((a, b) => a + b, 0n);
    const paid = shares.map((u) => rewardOf(emission, u, total)).reduce((a, b) => a + b, 0n);
    expect(paid <= emission).toBe(true);
    expect(emission - paid < BigInt(shares.length)).toBe(true);
    expect(rewardOf(emission, 3n, total, true)).toBe(0n);
  });
});
