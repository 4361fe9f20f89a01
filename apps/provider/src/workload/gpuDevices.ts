// Which /dev/nvidia* nodes a sandbox needs for the GPUs of a lease. The driver names each card's
// node by its minor number, which is not nvidia-smi's index; /proc/driver/nvidia/gpus/<bus>/information
// links bus id, UUID and minor.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** One GPU as the kernel driver lists it. */
export type NvidiaDriverGpu = { index: number; busId: string; uuid: string; minor: number };

/** Lists the GPUs the NVIDIA driver knows, in PCI bus order (the order of nvidia-smi's index). */
export function listDriverGpus(procDir = "/proc/driver/nvidia/gpus"): NvidiaDriverGpu[] {
  if (!existsSync(procDir)) return [];
  return readdirSync(procDir)
    .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))
    .flatMap((busId, index) => {
      try {
        const text = readFileSync(path.join(procDir, busId, "information"), "utf8");
        const uuid = /^GPU UUID:\s*(\S+)/m.exec(text)?.[1];
        const minor = /^Device Minor:\s*(\d+)/m.exec(text)?.[1];
        return uuid && minor ? [{ index, busId, uuid, minor: Number(minor) }] : [];
      } catch {
        return [];
      }
    });
}

/**
 * The device nodes to bind into a sandbox for `gpus` (indexes or UUIDs), and the UUIDs to put in
 * CUDA_VISIBLE_DEVICES: inside, only the bound cards exist, so indexes would shift while UUIDs
 * stay right. A GPU the driver does not list falls back to /dev/nvidia<index> with a warning.
 */
export function nvidiaDeviceNodes(
  gpus: readonly string[],
  options: { procDir?: string; devDir?: string } = {},
): { devices: string[]; visibleIds: string[]; warnings: string[] } {
  if (gpus.length === 0) return { devices: [], visibleIds: [], warnings: [] };
  const devDir = options.devDir ?? "/dev";
  const driverGpus = listDriverGpus(options.procDir);
  const warnings: string[] = [];
  const devices: string[] = [];
  const visibleIds: string[] = [];
  for (const id of gpus) {
    const found = driverGpus.find((gpu) => gpu.uuid.toLowerCase() === id.toLowerCase() || String(gpu.index) === id);
    if (found) {
      devices.push(path.join(devDir, `nvidia${found.minor}`));
      visibleIds.push(found.uuid);
    } else {
      warnings.push(`GPU ${id} is not listed by the NVIDIA driver; binding ${devDir}/nvidia${id}`);
      devices.push(path.join(devDir, `nvidia${id}`));
      visibleIds.push(id);
    }
  }
  for (const device of devices) if (!existsSync(device)) warnings.push(`GPU device node ${device} does not exist`);
  // Control nodes every CUDA process opens; nvidia-caps holds MIG capabilities.
  for (const shared of ["nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset", "nvidia-caps"]) {
    devices.push(path.join(devDir, shared));
  }
  return { devices: devices.filter((device) => existsSync(device)), visibleIds, warnings };
}
