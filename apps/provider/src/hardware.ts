// What this machine has to sell, as the rest of the node sees it: offerable GPUs and CPU capacity.
import type { ProviderConfig } from "./config.js";
import { type CommandRunner, type CpuInfo, cpuInfo, detectGpus, type Gpu, selectOfferableGpus } from "./gpu/detect.js";

export interface Hardware {
  /** GPUs to sell: detected, not excluded, not busy. */
  gpus: Gpu[];
  /** GPUs found but not sold, and why. */
  skipped: { index: number; name: string; reason: string }[];
  cpu: CpuInfo;
  driverVersion?: string;
  cudaVersion?: string | null;
  /** Why no GPU was found, on a CPU-only machine. */
  noGpuReason?: string;
}

/** Detects the machine's hardware and applies the config's exclusions and busy thresholds. */
export async function describeHardware(
  config: Pick<ProviderConfig, "gpus" | "stateDir">,
  options: { run?: CommandRunner } = {},
): Promise<Hardware> {
  const found = await detectGpus(options);
  const cpu = await cpuInfo({ dir: config.stateDir });
  if ("reason" in found) return { gpus: [], skipped: [], cpu, noGpuReason: found.reason };
  const { offerable, skipped } = selectOfferableGpus(found.gpus, {
    exclude: config.gpus.exclude,
    busyUtilizationPct: config.gpus.busyUtilizationPct,
  });
  return {
    gpus: offerable,
    skipped: skipped.map((s) => ({ index: s.gpu.index, name: s.gpu.name, reason: s.detail })),
    cpu,
    driverVersion: found.driverVersion,
    cudaVersion: found.cudaVersion,
  };
}

/** The GPU ids the allocator hands out (nvidia-smi indexes, as strings). */
export const gpuIds = (hardware: Hardware) => hardware.gpus.map((g) => String(g.index));
