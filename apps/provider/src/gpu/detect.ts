// Finds what this machine can sell: NVIDIA GPUs through nvidia-smi, and CPU, memory and disk
// for machines without a GPU. Offers are built from what this file reports.
import { execFile } from "node:child_process";
import { statfs } from "node:fs/promises";
import os from "node:os";

/** One NVIDIA GPU as nvidia-smi reports it, with the OCX model id offers are published under. */
export type Gpu = {
  /** nvidia-smi's index (PCI bus order); what `CUDA_VISIBLE_DEVICES=<index>` means to nvidia-smi. */
  index: number;
  /** "GPU-…" UUID; stable across reboots, unlike the index. */
  uuid: string;
  /** The product name exactly as the driver reports it, e.g. "NVIDIA H100 80GB HBM3". */
  name: string;
  /** OCX model id, e.g. "nvidia-h100-80gb" (see {@link gpuModelId}). */
  modelId: string;
  /** Total memory in MiB as the driver reports it (less than the marketing size). */
  vramMiB: number;
  /** Memory in use right now, MiB; `null` when the driver answers "[N/A]". */
  usedMiB: number | null;
  /** GPU utilisation right now, percent; `null` when the driver answers "[N/A]" (vGPU, MIG). */
  utilizationPct: number | null;
  /** PCI bus id, e.g. "00000000:18:00.0". */
  busId: string;
  /** Driver version reported on this card's row. */
  driverVersion: string;
};

/** The exact query detectGpus runs; kept here so fixtures can be recorded with the same command. */
export const NVIDIA_SMI_QUERY_ARGS = [
  "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,driver_version,pci.bus_id",
  "--format=csv,noheader,nounits",
] as const;

/**
 * Memory sizes GPUs are sold with, in GB. The driver reports usable MiB (81559 for an "80GB"
 * H100, 15360 for a "16GB" T4, 143771 for a "141GB" H200), so the model id rounds to the
 * nearest of these instead of printing a number nobody shops for.
 */
const MARKETING_SIZES_GB = [
  1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 16, 20, 24, 32, 40, 48, 64, 80, 94, 96, 141, 144, 180, 186, 192, 256, 288,
];

/**
 * Rounds a driver-reported memory size to the size the card is sold with.
 *
 * @example
 * marketingVramGb(81559); // 80
 * marketingVramGb(15360); // 16
 * marketingVramGb(143771); // 141
 */
export function marketingVramGb(vramMiB: number): number {
  const gib = vramMiB / 1024;
  let best = Math.round(gib);
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const size of MARKETING_SIZES_GB) {
    const distance = Math.abs(size - gib);
    // Within 8% of a sold size: T4 reports 15 GiB of 16, L4 22.5 of 24, L40S 45 of 48.
    if (distance <= size * 0.08 && distance < bestDistance) {
      best = size;
      bestDistance = distance;
    }
  }
  return best;
}

// Words in product names that say nothing about which GPU it is: the brand, product lines, the
// form factor (PCIe / SXM) and the memory type and size (the size comes back from the VRAM).
const NOISE_TOKEN = /^(nvidia|geforce|tesla|gpu|generation|pcie|sxm\d*|hbm\d*e?|gddr\d*x?|\d+gb|\d+g)$/;

/**
 * The OCX model id of a GPU: "nvidia-" + the normalised product name + "-" + marketing VRAM.
 * Form factor and memory type are left out: an offer is chosen by chip and memory size.
 *
 * @example
 * gpuModelId("NVIDIA H100 80GB HBM3", 81559); // "nvidia-h100-80gb"
 * gpuModelId("NVIDIA GeForce RTX 4090", 24564); // "nvidia-rtx-4090-24gb"
 * gpuModelId("NVIDIA A100-SXM4-40GB", 40960); // "nvidia-a100-40gb"
 * gpuModelId("Tesla T4", 15360); // "nvidia-t4-16gb"
 */
export function gpuModelId(name: string, vramMiB: number): string {
  const tokens = name
    .toLowerCase()
    .split(/[\s_\-/]+/)
    .map((token) => token.replace(/[^a-z0-9]/g, ""))
    .filter((token) => token !== "" && !NOISE_TOKEN.test(token));
  return ["nvidia", ...tokens, `${marketingVramGb(vramMiB)}gb`].join("-");
}

function parseNumberField(value: string): number | null {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed.startsWith("[")) return null; // "[N/A]", "[Not Supported]"
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : null;
}

/** Error thrown when nvidia-smi's answer is not the CSV that {@link NVIDIA_SMI_QUERY_ARGS} asks for. */
export class NvidiaSmiParseError extends Error {
  override name = "NvidiaSmiParseError";
}

/**
 * Parses the output of `nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used,
 * utilization.gpu,driver_version,pci.bus_id --format=csv,noheader,nounits`.
 * Blank lines are ignored; a row that does not have the eight fields throws, with the row.
 *
 * @example
 * parseNvidiaSmiCsv("0, GPU-5f…, NVIDIA L4, 23034, 0, 0, 550.54.15, 00000000:00:03.0\n")[0].modelId; // "nvidia-l4-24gb"
 */
export function parseNvidiaSmiCsv(text: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const fields = line.split(",").map((field) => field.trim());
    if (fields.length !== 8) {
      throw new NvidiaSmiParseError(`nvidia-smi row has ${fields.length} fields, expected 8: "${line}"`);
    }
    const [indexText, uuid, name, totalText, usedText, utilizationText, driverVersion, busId] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const index = parseNumberField(indexText);
    const vramMiB = parseNumberField(totalText);
    if (index === null || vramMiB === null) {
      throw new NvidiaSmiParseError(`nvidia-smi row has no index or memory.total: "${line}"`);
    }
    gpus.push({
      index,
      uuid,
      name,
      modelId: gpuModelId(name, vramMiB),
      vramMiB,
      usedMiB: parseNumberField(usedText),
      utilizationPct: parseNumberField(utilizationText),
      busId,
      driverVersion,
    });
  }
  return gpus;
}

/**
 * Reads the CUDA version (the newest the driver supports) from plain `nvidia-smi` output,
 * whose header says e.g. "CUDA Version: 12.4". Returns null when the header has none.
 */
export function parseCudaVersion(text: string): string | null {
  return /CUDA Version:\s*([0-9]+(?:\.[0-9]+)*)/.exec(text)?.[1] ?? null;
}

/** Runs a command and resolves with its stdout; rejects when it cannot start or fails. */
export type CommandRunner = (command: string, args: string[]) => Promise<string>;

/** What {@link detectGpus} found: GPUs and driver facts, or no GPUs and why. */
export type GpuDetection =
  | { gpus: Gpu[]; driverVersion: string; cudaVersion: string | null }
  | { gpus: []; reason: string };

const runCommand: CommandRunner = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const detail = `${stdout}${stderr}`.trim();
        reject(Object.assign(error, { message: detail === "" ? error.message : detail }));
      } else resolve(stdout);
    });
  });

/**
 * Finds the NVIDIA GPUs of this machine through nvidia-smi. Never throws for a machine
 * without GPUs: a missing nvidia-smi, a driver that does not answer or "No devices were found"
 * give `{ gpus: [], reason }`, and the node then offers CPU compute ({@link cpuInfo}).
 *
 * @param options.run runs a command and returns stdout; tests pass recorded output.
 * @example
 * const found = await detectGpus();
 * if ("reason" in found) console.log(`CPU only: ${found.reason}`);
 */
export async function detectGpus(options: { run?: CommandRunner } = {}): Promise<GpuDetection> {
  const run = options.run ?? runCommand;
  let csv: string;
  try {
    csv = await run("nvidia-smi", [...NVIDIA_SMI_QUERY_ARGS]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { gpus: [], reason: "nvidia-smi not found: no NVIDIA driver on this machine" };
    return { gpus: [], reason: `nvidia-smi failed: ${(error as Error).message}` };
  }
  if (/No devices were found/i.test(csv)) return { gpus: [], reason: "nvidia-smi found no devices" };
  const gpus = parseNvidiaSmiCsv(csv);
  const first = gpus[0];
  if (first === undefined) return { gpus: [], reason: "nvidia-smi listed no GPUs" };
  let cudaVersion: string | null = null;
  try {
    cudaVersion = parseCudaVersion(await run("nvidia-smi", []));
  } catch {
    // The table is only needed for the CUDA version; GPUs without it can still be offered.
  }
  return { gpus, driverVersion: first.driverVersion, cudaVersion };
}

/** Why a GPU is not offered. */
export type GpuSkipReason = "excluded" | "busy-utilization" | "busy-memory";

/** Options of {@link selectOfferableGpus}. */
export type SelectOfferableGpusOptions = {
  /** GPUs the provider keeps for itself: UUIDs, indexes (number or string) or PCI bus ids. */
  exclude?: ReadonlyArray<string | number>;
  /** A card at or above this utilisation is busy (someone else uses it). Default 10. */
  busyUtilizationPct?: number;
  /** A card with at least this much memory in use is busy. Default 1024 MiB (a desktop session uses less). */
  busyMemoryMiB?: number;
};

/**
 * Splits GPUs into the ones to offer and the ones to keep back: set aside in the provider's
 * configuration, or busy with work that is not OCX's (selling a busy card breaks the lease).
 *
 * @example
 * const { offerable, skipped } = selectOfferableGpus(found.gpus, { exclude: ["0"] });
 */
export function selectOfferableGpus(
  gpus: readonly Gpu[],
  options: SelectOfferableGpusOptions = {},
): { offerable: Gpu[]; skipped: { gpu: Gpu; reason: GpuSkipReason; detail: string }[] } {
  const { busyUtilizationPct = 10, busyMemoryMiB = 1024 } = options;
  const excluded = new Set((options.exclude ?? []).map((id) => String(id).trim().toLowerCase()));
  const offerable: Gpu[] = [];
  const skipped: { gpu: Gpu; reason: GpuSkipReason; detail: string }[] = [];
  for (const gpu of gpus) {
    if ([String(gpu.index), gpu.uuid.toLowerCase(), gpu.busId.toLowerCase()].some((id) => excluded.has(id))) {
      skipped.push({ gpu, reason: "excluded", detail: `GPU ${gpu.index} (${gpu.uuid}) is excluded in the config` });
    } else if (gpu.utilizationPct !== null && gpu.utilizationPct >= busyUtilizationPct) {
      skipped.push({
        gpu,
        reason: "busy-utilization",
        detail: `GPU ${gpu.index} is ${gpu.utilizationPct}% busy (limit ${busyUtilizationPct}%)`,
      });
    } else if (gpu.usedMiB !== null && gpu.usedMiB >= busyMemoryMiB) {
      skipped.push({
        gpu,
        reason: "busy-memory",
        detail: `GPU ${gpu.index} has ${gpu.usedMiB} MiB in use (limit ${busyMemoryMiB} MiB)`,
      });
    } else offerable.push(gpu);
  }
  return { offerable, skipped };
}

/** CPU, memory and disk of this machine: what a machine without GPUs offers. */
export type CpuInfo = {
  /** CPUs this process may use (os.availableParallelism). */
  cores: number;
  /** CPU model name, e.g. "AMD EPYC 7B13"; "" when unknown. */
  model: string;
  /** Total memory, MiB. */
  memoryMiB: number;
  /** Free memory right now, MiB. */
  freeMemoryMiB: number;
  /** Space an unprivileged user can still write in `dir`, MiB. */
  diskFreeMiB: number;
  /** The folder whose file system was measured (where job folders live). */
  dir: string;
};

/**
 * Measures CPU cores, memory and the free disk space of the folder that holds job folders.
 *
 * @example
 * const cpu = await cpuInfo({ dir: "/var/lib/ocx/jobs" });
 */
export async function cpuInfo(options: { dir?: string } = {}): Promise<CpuInfo> {
  const dir = options.dir ?? os.tmpdir();
  const fsStats = await statfs(dir);
  const mib = 1024 * 1024;
  return {
    cores: os.availableParallelism(),
    model: os.cpus()[0]?.model.trim() ?? "",
    memoryMiB: Math.floor(os.totalmem() / mib),
    freeMemoryMiB: Math.floor(os.freemem() / mib),
    diskFreeMiB: Math.floor((fsStats.bavail * fsStats.bsize) / mib),
    dir,
  };
}
