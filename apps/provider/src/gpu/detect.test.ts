import { readFileSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import {
  type CommandRunner,
  cpuInfo,
  detectGpus,
  type Gpu,
  gpuModelId,
  marketingVramGb,
  NvidiaSmiParseError,
  parseCudaVersion,
  parseNvidiaSmiCsv,
  selectOfferableGpus,
} from "./detect.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

/** A runner that answers like nvidia-smi on the machine recorded in fixtures/<machine>.{csv,txt}. */
const recordedMachine =
  (machine: string): CommandRunner =>
  async (command, args) => {
    expect(command).toBe("nvidia-smi");
    return args.length === 0 ? fixture(`${machine}.txt`) : fixture(`${machine}.csv`);
  };

const detect = async (machine: string) => {
  const found = await detectGpus({ run: recordedMachine(machine) });
  if ("reason" in found) throw new Error(`expected GPUs, got: ${found.reason}`);
  return found;
};

describe("parseNvidiaSmiCsv and detectGpus on recorded machines", () => {
  it("1× H100 80GB HBM3", async () => {
    const found = await detect("h100-80gb-hbm3-1x");
    expect(found.driverVersion).toBe("550.54.15");
    expect(found.cudaVersion).toBe("12.4");
    expect(found.gpus).toEqual<Gpu[]>([
      {
        index: 0,
        uuid: "GPU-5c1f8e3a-9b2d-4f6e-a1c7-3e8d2b9f0a41",
        name: "NVIDIA H100 80GB HBM3",
        modelId: "nvidia-h100-80gb",
        vramMiB: 81559,
        usedMiB: 1,
        utilizationPct: 0,
        busId: "00000000:18:00.0",
        driverVersion: "550.54.15",
      },
    ]);
  });

  it("8× H100 SXM", async () => {
    const found = await detect("h100-sxm-8x");
    expect(found.cudaVersion).toBe("12.2");
    expect(found.gpus.map((gpu) => gpu.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(found.gpus.map((gpu) => gpu.modelId))).toEqual(new Set(["nvidia-h100-80gb"]));
    expect(new Set(found.gpus.map((gpu) => gpu.uuid)).size).toBe(8);
    expect(found.gpus[7]?.busId).toBe("00000000:DB:00.0");
    expect(selectOfferableGpus(found.gpus).offerable).toHaveLength(8);
  });

  it("2× A100 SXM4 40GB", async () => {
    const found = await detect("a100-sxm4-40gb-2x");
    expect(found).toMatchObject({ driverVersion: "525.85.12", cudaVersion: "12.0" });
    expect(found.gpus.map((gpu) => [gpu.modelId, gpu.vramMiB])).toEqual([
      ["nvidia-a100-40gb", 40960],
      ["nvidia-a100-40gb", 40960],
    ]);
  });

  it("1× RTX 4090 driving a display (412 MiB in use is not busy)", async () => {
    const found = await detect("rtx-4090-1x");
    expect(found.cudaVersion).toBe("12.3");
    expect(found.gpus[0]).toMatchObject({ modelId: "nvidia-rtx-4090-24gb", usedMiB: 412, utilizationPct: 3 });
    expect(selectOfferableGpus(found.gpus).offerable).toHaveLength(1);
  });

  it("4× T4 with one busy: the busy card is not offered", async () => {
    const found = await detect("t4-4x-one-busy");
    expect(found).toMatchObject({ driverVersion: "470.223.02", cudaVersion: "11.4" });
    expect(new Set(found.gpus.map((gpu) => gpu.modelId))).toEqual(new Set(["nvidia-t4-16gb"]));
    const { offerable, skipped } = selectOfferableGpus(found.gpus);
    expect(offerable.map((gpu) => gpu.index)).toEqual([0, 1, 3]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ gpu: { index: 2 }, reason: "busy-utilization" });
    expect(skipped[0]?.detail).toContain("97%");
  });

  it("1× H200", async () => {
    const found = await detect("h200-1x");
    expect(found).toMatchObject({ driverVersion: "560.35.03", cudaVersion: "12.6" });
    expect(found.gpus[0]).toMatchObject({ modelId: "nvidia-h200-141gb", vramMiB: 143771 });
  });

  it("a machine with mixed cards, one answering [N/A] for utilisation", async () => {
    const found = await detect("mixed-4x");
    expect(found.gpus.map((gpu) => gpu.modelId)).toEqual([
      "nvidia-rtx-3090-24gb",
      "nvidia-rtx-a6000-48gb",
      "nvidia-l4-24gb",
      "nvidia-a100-80gb",
    ]);
    expect(found.gpus[2]?.utilizationPct).toBeNull();
    const { offerable, skipped } = selectOfferableGpus(found.gpus, {
      exclude: ["GPU-2E4F6A8C-0B1D-3F5A-7C9E-1B3D5F7A9C01", 3],
      busyMemoryMiB: 512,
    });
    expect(offerable.map((gpu) => gpu.index)).toEqual([2]);
    expect(skipped.map(({ gpu, reason }) => [gpu.index, reason])).toEqual([
      [0, "busy-memory"],
      [1, "excluded"],
      [3, "excluded"],
    ]);
  });

  it("excludes by PCI bus id and by index given as a string", async () => {
    const found = await detect("h100-sxm-8x");
    const { offerable } = selectOfferableGpus(found.gpus, { exclude: ["00000000:2a:00.0", "0"] });
    expect(offerable.map((gpu) => gpu.index)).toEqual([2, 3, 4, 5, 6, 7]);
  });
});

describe("gpuModelId", () => {
  it.each([
    ["NVIDIA H100 80GB HBM3", 81559, "nvidia-h100-80gb"],
    ["NVIDIA H100 PCIe", 81559, "nvidia-h100-80gb"],
    ["NVIDIA H100 NVL", 95830, "nvidia-h100-nvl-94gb"],
    ["NVIDIA GeForce RTX 4090", 24564, "nvidia-rtx-4090-24gb"],
    ["NVIDIA A100-SXM4-40GB", 40960, "nvidia-a100-40gb"],
    ["NVIDIA A100-PCIE-40GB", 40536, "nvidia-a100-40gb"],
    ["Tesla T4", 15360, "nvidia-t4-16gb"],
    ["Tesla V100-SXM2-16GB", 16160, "nvidia-v100-16gb"],
    ["NVIDIA L4", 23034, "nvidia-l4-24gb"],
    ["NVIDIA L40S", 46068, "nvidia-l40s-48gb"],
    ["NVIDIA H200", 143771, "nvidia-h200-141gb"],
    ["NVIDIA RTX 6000 Ada Generation", 49140, "nvidia-rtx-6000-ada-48gb"],
    ["NVIDIA GeForce RTX 4070 Ti SUPER", 16376, "nvidia-rtx-4070-ti-super-16gb"],
    ["NVIDIA GeForce RTX 2080 Ti", 11264, "nvidia-rtx-2080-ti-11gb"],
  ])("%s with %i MiB → %s", (name, vramMiB, expected) => {
    expect(gpuModelId(name, vramMiB)).toBe(expected);
  });

  it("rounds sizes far from any sold size to whole GiB", () => {
    expect(marketingVramGb(28 * 1024)).toBe(28);
  });
});

describe("parse errors and machines without GPUs", () => {
  it("parseCudaVersion reads the header and answers null without one", () => {
    expect(parseCudaVersion(fixture("h200-1x.txt"))).toBe("12.6");
    expect(parseCudaVersion("NVIDIA-SMI has failed")).toBeNull();
  });

  it("a malformed row throws with the row in the message", () => {
    expect(() => parseNvidiaSmiCsv("0, GPU-x, NVIDIA L4\n")).toThrow(NvidiaSmiParseError);
    expect(() => parseNvidiaSmiCsv("0, GPU-x, NVIDIA L4\n")).toThrow(/3 fields.*NVIDIA L4/);
  });

  it("a missing nvidia-smi gives no GPUs and a reason", async () => {
    const missing: CommandRunner = async () => {
      throw Object.assign(new Error("spawn nvidia-smi ENOENT"), { code: "ENOENT" });
    };
    expect(await detectGpus({ run: missing })).toEqual({
      gpus: [],
      reason: "nvidia-smi not found: no NVIDIA driver on this machine",
    });
  });

  it("a driver that does not answer gives no GPUs and nvidia-smi's message", async () => {
    const broken: CommandRunner = async () => {
      throw new Error("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
    };
    const found = await detectGpus({ run: broken });
    expect(found.gpus).toEqual([]);
    expect("reason" in found && found.reason).toMatch(/couldn't communicate/);
  });

  it("'No devices were found' gives no GPUs", async () => {
    const found = await detectGpus({ run: async () => "No devices were found\n" });
    expect(found).toEqual({ gpus: [], reason: "nvidia-smi found no devices" });
  });

  it("detectGpus on this machine (no GPU here) falls back to a reason, and cpuInfo measures the host", async () => {
    const found = await detectGpus();
    if (!("reason" in found)) {
      // A GPU host: the real answer must still parse into model ids.
      expect(found.gpus.every((gpu) => gpu.modelId.startsWith("nvidia-"))).toBe(true);
    }
    const cpu = await cpuInfo({ dir: os.tmpdir() });
    expect(cpu.cores).toBe(os.availableParallelism());
    expect(cpu.cores).toBeGreaterThan(0);
    expect(cpu.memoryMiB).toBe(Math.floor(os.totalmem() / 1024 / 1024));
    expect(cpu.freeMemoryMiB).toBeLessThanOrEqual(cpu.memoryMiB);
    expect(cpu.diskFreeMiB).toBeGreaterThan(0);
    expect(cpu.dir).toBe(os.tmpdir());
  });
});
