import { toLabel } from "@ocx/sdk";
import { describe, expect, it } from "vitest";
import { nextIntervalSeconds, targetsOfOffer } from "./schedule.js";

const provider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;

describe("targetsOfOffer", () => {
  it("a CPU offer is one target labelled cpu; a GPU offer one per GPU index; a paused offer none", () => {
    expect(targetsOfOffer({ provider, state: 1, resources: { gpuModel: toLabel(""), gpuCount: 0 } })).toEqual([
      { provider: provider.toLowerCase(), model: "cpu", gpuIndex: 0 },
    ]);
    const gpu = targetsOfOffer({
      provider,
      state: 1,
      resources: { gpuModel: toLabel("nvidia-h100-80gb"), gpuCount: 2 },
    });
    expect(gpu.map((t) => `${t.model}#${t.gpuIndex}`)).toEqual(["nvidia-h100-80gb#0", "nvidia-h100-80gb#1"]);
    expect(targetsOfOffer({ provider, state: 2, resources: { gpuModel: toLabel("cpu"), gpuCount: 0 } })).toEqual([]);
  });
});

describe("nextIntervalSeconds", () => {
  it("is exponential with the configured mean, never below the minimum", () => {
    let sum = 0;
    const draws = 20_000;
    for (let i = 0; i < draws; i++)
      sum += nextIntervalSeconds({ meanSeconds: 100, minSeconds: 0, u: (i + 0.5) / draws });
    expect(sum / draws).toBeGreaterThan(95);
    expect(sum / draws).toBeLessThan(105);
    expect(nextIntervalSeconds({ meanSeconds: 100, minSeconds: 30, u: 0 })).toBe(30);
  });

  it("renews before the attestation expires", () => {
    const s = nextIntervalSeconds({
      meanSeconds: 1e6,
      minSeconds: 1,
      u: 0.5,
      secondsToExpiry: 3600,
      renewBeforeSeconds: 600,
    });
    expect(s).toBeLessThanOrEqual(3000);
    expect(s).toBeGreaterThan(2900);
  });
});
