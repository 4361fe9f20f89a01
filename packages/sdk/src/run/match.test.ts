import { parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { manifestFromDocument } from "../manifest/index.js";
import type { Manifest } from "../manifest/types.js";
import { toLabel } from "../units.js";
import {
  cheapestMatch,
  describeMismatches,
  describeVerdict,
  judgeOffers,
  type OfferTerms,
  offerMismatches,
} from "./match.js";

function offer(
  id: number,
  overrides: Partial<OfferTerms["resources"]> & { price?: string; state?: number } = {},
): OfferTerms {
  const { price = "2", state = 1, ...resources } = overrides;
  const gpuCount = resources.gpuCount ?? 1;
  return {
    offerId: BigInt(id),
    provider: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
    state,
    maxLeases: 2,
    activeLeases: 0,
    minDuration: 60,
    maxDuration: 86400,
    // `price` OCX per GPU-hour.
    pricePerSecond: (parseEther(price) * BigInt(Math.max(gpuCount, 1))) / 3600n,
    resources: {
      gpuModel: toLabel("nvidia-h100-80gb"),
      region: toLabel("eu-west"),
      gpuCount,
      gpuVramMiB: 81920,
      cpuMillicores: 8000,
      memoryMiB: 65536,
      diskMiB: 102400,
      ...resources,
    },
  };
}

const job: Manifest = manifestFromDocument({
  version: 1,
  name: "train",
  command: "python train.py",
  maxDuration: "2h",
  resources: { gpu: { count: 1, minVram: "80Gi" }, cpu: 4, memory: "32Gi", disk: "50Gi" },
  placement: { regions: ["eu-west"] },
  maxPricePerGpuHour: "3",
});

describe("offerMismatches", () => {
  it("matches an offer that meets every need", () => {
    expect(offerMismatches(job, offer(1))).toEqual([]);
  });

  it("names the need that excludes an offer", () => {
    const a100 = offer(3, { gpuModel: toLabel("nvidia-a100-40gb"), gpuVramMiB: 40960 });
    expect(describeVerdict({ offer: a100, matches: false, mismatches: offerMismatches(job, a100) })).toBe(
      "#3 nvidia-a100-40gb: VRAM 40960 MiB < 81920 MiB required",
    );
    expect(offerMismatches(job, offer(4, { region: toLabel("us-east") })).map((m) => m.need)).toEqual(["region"]);
    // Prices in dollars of credits (the default market), or OCX on a market without credits.
    expect(offerMismatches(job, offer(5, { price: "3.6" }))[0]?.message).toBe("price $3.60/GPU-h > $3.00/GPU-h limit");
    expect(offerMismatches(job, offer(5, { price: "3.6" }), { priceUnit: "ocx" })[0]?.message).toBe(
      "price 3.6 OCX/GPU-h > 3 OCX/GPU-h limit",
    );
    expect(
      offerMismatches(job, offer(6, { gpuCount: 0, gpuModel: toLabel(""), gpuVramMiB: 0 })).map((m) => m.need),
    ).toEqual(["gpuCount", "vram"]);
    expect(offerMismatches(job, offer(7, { memoryMiB: 16384, state: 2 })).map((m) => m.message)).toEqual([
      "offer is paused",
      "memory 16 GiB < 32 GiB required",
    ]);
    const full = { ...offer(8), activeLeases: 2 };
    expect(offerMismatches(job, full).map((m) => m.need)).toEqual(["capacity"]);
  });

  it("lets a --max-price replace the manifest's limit", () => {
    expect(offerMismatches(job, offer(5, { price: "3.5" }), { maxPricePerGpuHour: parseEther("4") })).toEqual([]);
  });

  it("checks the GPU model list only for GPU jobs", () => {
    const needsA100 = {
      ...job,
      resources: { ...job.resources, gpu: { count: 1, models: ["nvidia-a100-80gb"], minVramMiB: 0 } },
    };
    expect(offerMismatches(needsA100, offer(1)).map((m) => m.message)).toEqual([
      "GPU model nvidia-h100-80gb is not one of nvidia-a100-80gb",
    ]);
  });
});

describe("judgeOffers", () => {
  it("puts matches first, cheapest first, and picks the cheapest", () => {
    const offers = [
      offer(1, { price: "2.8" }),
      offer(2, { gpuVramMiB: 40960, price: "1" }),
      offer(3, { price: "2.1" }),
    ];
    expect(judgeOffers(job, offers).map((v) => [v.offer.offerId, v.matches])).toEqual([
      [3n, true],
      [1n, true],
      [2n, false],
    ]);
    expect(cheapestMatch(job, offers)?.offerId).toBe(3n);
    expect(cheapestMatch(job, [offer(2, { gpuVramMiB: 1 })])).toBeUndefined();
  });

  it("ranks by what the buyer pays per second, not per GPU-hour", () => {
    // Two GPUs at 2 OCX per GPU-hour cost 4 OCX an hour; one at 3 OCX costs 3.
    const offers = [offer(1, { gpuCount: 2, price: "2" }), offer(2, { price: "3" })];
    expect(cheapestMatch(job, offers)?.offerId).toBe(2n);
  });

  it("says why in one sentence, as runJob's NoMatchingOfferError does", () => {
    const far = offer(9, { region: toLabel("us-east"), cpuMillicores: 2000 });
    expect(describeMismatches(offerMismatches(job, far))).toBe(
      "CPU 2 cores < 4 cores required; region us-east is not one of eu-west",
    );
  });
});
