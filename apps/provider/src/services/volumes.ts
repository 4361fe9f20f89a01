// The volumes of a service lease. Persistent ones are folders under the node's state folder
// (`<stateDir>/volumes/<leaseId>/<volume>`): they outlive a service's restarts and the node's own,
// and are deleted when the lease ends, after what its services `retain` is packed (retain.ts).
// Their size is enforced by measuring what they really hold, like the job folder's disk limit
// (workload/wrapper.ts diskUsage), and a service that fills one is stopped with the reason. Ram
// volumes are tmpfs mounts of their size made by the sandbox.
import { rm } from "node:fs/promises";
import path from "node:path";
import { diskUsage, nextDiskPollMs } from "../workload/wrapper.js";
import type { VolumeSpec } from "./types.js";

const MiB = 1024 * 1024;

/** The folder of a lease's persistent volumes, one folder each by name. */
export const leaseVolumesDir = (stateDir: string, leaseId: bigint) =>
  path.join(stateDir, "volumes", leaseId.toString());

/** The folder of a persistent volume. */
export const volumeDir = (stateDir: string, leaseId: bigint, volume: string) =>
  path.join(leaseVolumesDir(stateDir, leaseId), volume);

/** Deletes every persistent volume of a lease (at its end). */
export async function deleteLeaseVolumes(stateDir: string, leaseId: bigint): Promise<void> {
  await rm(leaseVolumesDir(stateDir, leaseId), { recursive: true, force: true });
}

/**
 * Watches a persistent volume's real usage and calls `full` once it holds more than its size
 * (then stops watching). Looks sooner the closer the volume is to full. Returns a stop function.
 */
export function watchVolume(
  dir: string,
  volume: VolumeSpec,
  full: (message: string) => void,
  onError: (error: Error) => void = () => {},
): () => void {
  const limit = volume.sizeMiB * MiB;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const recent: number[] = [];
  const look = async () => {
    if (stopped) return;
    const started = performance.now();
    const used = await diskUsage(dir);
    const walkMs = performance.now() - started;
    if (stopped) return;
    if (used > limit) {
      stopped = true;
      full(`its volume "${volume.name}" is full: it holds ${Math.ceil(used / MiB)} MiB of its ${volume.sizeMiB} MiB`);
      return;
    }
    recent.push(walkMs);
    if (recent.length > 3) recent.shift();
    const wait = nextDiskPollMs(used, limit, Math.min(...recent));
    timer = setTimeout(() => void look().catch(onError), wait);
    timer.unref();
  };
  void look().catch(onError);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
