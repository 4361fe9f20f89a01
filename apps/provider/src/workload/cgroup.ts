// One cgroup per lease, on cgroup v2 (/sys/fs/cgroup/ocx/<lease>) or v1
// (/sys/fs/cgroup/{memory,pids,cpu}/ocx/<lease>): memory, process and CPU limits, OOM evidence,
// and a list of every process of the job, which is how a stop reaches them all.
import { existsSync } from "node:fs";
import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { WorkloadLimits } from "./types.js";

/** Which cgroup hierarchy the host has mounted. */
export type CgroupHost =
  | { version: 2; root: string }
  | { version: 1; controllers: { memory?: string; pids?: string; cpu?: string } }
  | { version: null; reason: string };

/** The cgroup of one lease: its directories (one per controller on v1) and where the OOM evidence is. */
export type LeaseCgroup = {
  /** "ocx/<leaseId>", relative to each controller's root; what the node stores to find it again. */
  name: string;
  /** Absolute directories; a process joins by writing its pid to `<dir>/cgroup.procs`. */
  dirs: string[];
  /** memory.events (v2) or memory.oom_control (v1): both have an "oom_kill N" line. */
  oomFile?: string;
  /** memory.failcnt (v1): evidence of hitting the limit on kernels without an oom_kill counter. */
  failcntFile?: string;
};

const LEASE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Error thrown for a lease id that cannot name a cgroup or container. */
export class InvalidLeaseIdError extends Error {
  override name = "InvalidLeaseIdError";
  constructor(leaseId: string) {
    super(`lease id "${leaseId}" must be 1–128 letters, digits, ".", "_" or "-"`);
  }
}

/** The cgroup name of a lease, "ocx/<leaseId>"; throws {@link InvalidLeaseIdError} for ids that could escape the folder. */
export function leaseCgroupName(leaseId: string): string {
  if (!LEASE_ID.test(leaseId) || leaseId === "." || leaseId === "..") throw new InvalidLeaseIdError(leaseId);
  return `ocx/${leaseId}`;
}

/**
 * Finds the cgroup hierarchy mounted under `base`: v2 when `base/cgroup.controllers` exists
 * (unified), v1 when per-controller folders exist (legacy or hybrid, as on these dev machines).
 */
export async function detectCgroupHost(base = "/sys/fs/cgroup"): Promise<CgroupHost> {
  if (existsSync(path.join(base, "cgroup.controllers"))) return { version: 2, root: base };
  const controllers: { memory?: string; pids?: string; cpu?: string } = {};
  for (const controller of ["memory", "pids", "cpu"] as const) {
    const dir = path.join(base, controller);
    if (existsSync(path.join(dir, "cgroup.procs"))) controllers[controller] = dir;
  }
  if (Object.keys(controllers).length > 0) return { version: 1, controllers };
  return { version: null, reason: `no cgroup hierarchy found under ${base}` };
}

/** The directories of an existing lease cgroup (to re-attach after a restart). */
export function leaseCgroupDirs(host: CgroupHost, name: string): LeaseCgroup {
  if (host.version === 2) {
    const dir = path.join(host.root, name);
    return { name, dirs: existsSync(dir) ? [dir] : [], oomFile: path.join(dir, "memory.events") };
  }
  if (host.version === 1) {
    const dirs = Object.values(host.controllers)
      .map((root) => path.join(root, name))
      .filter((dir) => existsSync(dir));
    const memory = host.controllers.memory && path.join(host.controllers.memory, name);
    return {
      name,
      dirs,
      ...(memory
        ? { oomFile: path.join(memory, "memory.oom_control"), failcntFile: path.join(memory, "memory.failcnt") }
        : {}),
    };
  }
  return { name, dirs: [] };
}

const message = (error: unknown) => (error as Error).message;

async function writeControl(file: string, value: string, warnings: string[], what: string): Promise<boolean> {
  try {
    await writeFile(file, value);
    return true;
  } catch (error) {
    warnings.push(`${what} not applied: cannot write ${value.trim()} to ${file}: ${message(error)}`);
    return false;
  }
}

/**
 * Creates the lease's cgroup and writes its limits. Never throws for what the host cannot do:
 * each limit that could not be applied becomes a warning, and the workload runs without it.
 * Returns `cgroup: undefined` when no cgroup could be made at all.
 */
export async function createLeaseCgroup(
  host: CgroupHost,
  leaseId: string,
  limits: WorkloadLimits,
): Promise<{ cgroup?: LeaseCgroup; warnings: string[] }> {
  const name = leaseCgroupName(leaseId);
  const warnings: string[] = [];
  const wanted = [
    limits.memoryMiB !== undefined && "memory",
    limits.pids !== undefined && "pids",
    limits.cpuMillicores !== undefined && "cpu",
  ].filter((x): x is string => typeof x === "string");
  const memoryBytes = limits.memoryMiB !== undefined ? String(Math.floor(limits.memoryMiB * 1024 * 1024)) : undefined;
  const periodUs = 100_000;
  const quotaUs =
    limits.cpuMillicores !== undefined
      ? String(Math.max(1000, Math.floor((limits.cpuMillicores * periodUs) / 1000)))
      : undefined;

  if (host.version === null) {
    if (wanted.length > 0) warnings.push(`${wanted.join(", ")} limits not applied: ${host.reason}`);
    return { warnings };
  }

  if (host.version === 2) {
    const parent = path.join(host.root, "ocx");
    const dir = path.join(host.root, name);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      warnings.push(
        `no cgroup for lease ${leaseId} (limits ${wanted.join(", ") || "none"} not applied): ${message(error)}`,
      );
      return { warnings };
    }
    // Controllers must be enabled on every level above the lease; a root with processes of its
    // own (a container's cgroup namespace) refuses, and that shows as a missing limit file below.
    for (const level of [host.root, parent]) {
      for (const controller of wanted) {
        await writeFile(path.join(level, "cgroup.subtree_control"), `+${controller}`).catch(() => {});
      }
    }
    const set = async (file: string, value: string, what: string) => {
      const target = path.join(dir, file);
      if (!existsSync(target)) warnings.push(`${what} not applied: ${target} is missing (controller not enabled)`);
      else await writeControl(target, value, warnings, what);
    };
    if (memoryBytes) {
      await set("memory.max", memoryBytes, "memory limit");
      if (existsSync(path.join(dir, "memory.swap.max"))) await set("memory.swap.max", "0", "swap limit");
    }
    if (limits.pids !== undefined) await set("pids.max", String(limits.pids), "pids limit");
    if (quotaUs) await set("cpu.max", `${quotaUs} ${periodUs}`, "cpu limit");
    return { cgroup: { name, dirs: [dir], oomFile: path.join(dir, "memory.events") }, warnings };
  }

  const dirs: string[] = [];
  const result: LeaseCgroup = { name, dirs };
  for (const controller of ["memory", "pids", "cpu"] as const) {
    const root = host.controllers[controller];
    const isWanted = wanted.includes(controller);
    if (!root) {
      if (isWanted) warnings.push(`${controller} limit not applied: no cgroup v1 ${controller} controller mounted`);
      continue;
    }
    const dir = path.join(root, name);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      warnings.push(`${isWanted ? `${controller} limit not applied` : `no ${controller} cgroup`}: ${message(error)}`);
      continue;
    }
    dirs.push(dir);
    if (controller === "memory") {
      result.oomFile = path.join(dir, "memory.oom_control");
      result.failcntFile = path.join(dir, "memory.failcnt");
      if (memoryBytes) {
        // The memory limit must be set before memory+swap, which may not be below it.
        if (await writeControl(path.join(dir, "memory.limit_in_bytes"), memoryBytes, warnings, "memory limit")) {
          const memsw = path.join(dir, "memory.memsw.limit_in_bytes");
          if (existsSync(memsw)) await writeControl(memsw, memoryBytes, warnings, "memory+swap limit");
        }
      }
    } else if (controller === "pids" && limits.pids !== undefined) {
      await writeControl(path.join(dir, "pids.max"), String(limits.pids), warnings, "pids limit");
    } else if (controller === "cpu" && quotaUs) {
      await writeControl(path.join(dir, "cpu.cfs_period_us"), String(periodUs), warnings, "cpu limit");
      await writeControl(path.join(dir, "cpu.cfs_quota_us"), quotaUs, warnings, "cpu limit");
    }
  }
  return dirs.length > 0 ? { cgroup: result, warnings } : { warnings };
}

/** Every process id in the given cgroup directories. */
export async function cgroupPids(dirs: readonly string[]): Promise<number[]> {
  const pids = new Set<number>();
  for (const dir of dirs) {
    const text = await readFile(path.join(dir, "cgroup.procs"), "utf8").catch(() => "");
    for (const line of text.split("\n")) if (line.trim() !== "") pids.add(Number(line));
  }
  return [...pids];
}

/** The OOM evidence of a lease cgroup: oom_kill count (null when the kernel has no counter) and v1 failcnt. */
export async function readOomEvidence(
  cgroup: LeaseCgroup,
): Promise<{ oomKill: number | null; failcnt: number | null }> {
  const read = async (file?: string) => (file ? await readFile(file, "utf8").catch(() => null) : null);
  const oomText = await read(cgroup.oomFile);
  const oomMatch = oomText ? /^oom_kill (\d+)$/m.exec(oomText) : null;
  const failText = await read(cgroup.failcntFile);
  return {
    oomKill: oomMatch?.[1] !== undefined ? Number(oomMatch[1]) : null,
    failcnt: failText !== null && failText.trim() !== "" ? Number(failText) : null,
  };
}

/**
 * Removes a lease cgroup: SIGKILLs whatever is still in it (a job's background processes), then
 * removes its directories. Returns warnings for what could not be removed; never throws.
 */
export async function removeLeaseCgroup(dirs: readonly string[], timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await cgroupPids(dirs);
    if (left.length === 0) break;
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    if (Date.now() > deadline) return [`processes ${left.join(", ")} survived SIGKILL in ${dirs.join(", ")}`];
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const warnings: string[] = [];
  for (const dir of dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") break;
        // A dying process can keep the cgroup busy for a moment after it left cgroup.procs.
        if (code === "EBUSY" && attempt < 40) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          continue;
        }
        warnings.push(`cannot remove cgroup ${dir}: ${message(error)}`);
        break;
      }
    }
  }
  return warnings;
}
