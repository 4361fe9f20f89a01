// Finds what workloads left behind when the node or their wrapper was killed: processes marked
// with the workload's name, and cgroups named after it. The lifecycle calls the executor's
// reap() at recovery so no lease it no longer runs keeps computing, or keeps its cgroup.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type CgroupHost, cgroupPids, leaseCgroupDirs, leaseCgroupName, removeLeaseCgroup } from "./cgroup.js";
import type { ReapOptions, ReapReport } from "./types.js";
import { WORKLOAD_MARKER } from "./wrapper.js";

/** Process ids per workload name, for every process whose environment carries the workload marker. */
export function markedProcesses(): Map<string, number[]> {
  const found = new Map<string, number[]>();
  const prefix = `${WORKLOAD_MARKER}=`;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "latin1");
    } catch {
      continue; // Gone, or not ours to read.
    }
    const marker = environ.split("\0").find((variable) => variable.startsWith(prefix));
    if (!marker) continue;
    const name = marker.slice(prefix.length);
    found.set(name, [...(found.get(name) ?? []), Number(entry)]);
  }
  return found;
}

/** Names of the workload cgroups that exist on this host (the folders under each controller's `ocx/`). */
export function workloadCgroupNames(host: CgroupHost): string[] {
  const roots =
    host.version === 2
      ? [path.join(host.root, "ocx")]
      : host.version === 1
        ? Object.values(host.controllers).map((root) => path.join(root, "ocx"))
        : [];
  const names = new Set<string>();
  for (const root of roots) {
    try {
      for (const entry of readdirSync(root, { withFileTypes: true })) if (entry.isDirectory()) names.add(entry.name);
    } catch {
      // No ocx folder under this controller.
    }
  }
  return [...names];
}

const isGone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z");
  } catch {
    return true;
  }
};

/**
 * Ends every marked process and removes every cgroup of the workloads named `<prefix>…` that
 * `alive` does not claim. The processes are SIGKILLed together (wrapper, log capture, bwrap and
 * the sandbox's init, whose end ends the whole sandbox), then whatever is left in the cgroup.
 */
export async function reapWrappedWorkloads(
  host: CgroupHost,
  alive: (workloadName: string) => boolean,
  options: ReapOptions,
): Promise<ReapReport> {
  if (options.prefix === "")
    throw new Error("reap needs the node's workload name prefix: an empty one would end other nodes' workloads");
  const report: ReapReport = { reaped: [], warnings: [] };
  const marked = markedProcesses();
  const names = new Set([...marked.keys(), ...workloadCgroupNames(host)]);
  for (const name of [...names].sort()) {
    if (!name.startsWith(options.prefix) || alive(name)) continue;
    try {
      leaseCgroupName(name);
    } catch {
      continue; // Not a name the executors make.
    }
    const cgroup = leaseCgroupDirs(host, leaseCgroupName(name));
    const pids = [...new Set([...(marked.get(name) ?? []), ...(await cgroupPids(cgroup.dirs))])];
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    const deadline = Date.now() + 3000;
    while (pids.some((pid) => !isGone(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const survivors = pids.filter((pid) => !isGone(pid));
    if (survivors.length > 0)
      report.warnings.push(`workload ${name}: processes ${survivors.join(", ")} survived SIGKILL`);
    report.warnings.push(...(await removeLeaseCgroup(cgroup.dirs)));
    report.reaped.push({ workloadName: name, pids, cgroups: cgroup.dirs, endedAt: Math.floor(Date.now() / 1000) });
  }
  return report;
}
