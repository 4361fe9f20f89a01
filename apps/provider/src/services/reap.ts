// What service leases leave behind when a node is killed or a lease ends while it is down: the
// services' child cgroups under the lease's cgroup (which the executors' reap, working one level
// down, cannot remove), and the lease's network namespace. `ocx-provider reap` and recovery call
// this before the executor's reap, which ends the marked processes (wrappers, bridges).
import { readdirSync } from "node:fs";
import path from "node:path";
import { type CgroupHost, cgroupPids, removeLeaseCgroup } from "../workload/cgroup.js";
import { deleteNetns, listNetns, netnsName } from "./network.js";

/** What {@link reapServiceLeftovers} removed. */
export interface ServiceReapReport {
  cgroups: string[];
  namespaces: string[];
  warnings: string[];
}

/** The lease cgroup folders (one per controller on v1) under `ocx/`. */
function leaseCgroupRoots(host: CgroupHost): string[] {
  if (host.version === 2) return [path.join(host.root, "ocx")];
  if (host.version === 1) return Object.values(host.controllers).map((root) => path.join(root, "ocx"));
  return [];
}

const subfolders = (dir: string) => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
};

/**
 * Ends the processes in, and removes, the service cgroups of every lease cgroup named
 * `<prefix>…` that `alive` does not claim, and deletes those leases' network namespaces. Never throws.
 */
export async function reapServiceLeftovers(
  host: CgroupHost,
  alive: (workloadName: string) => boolean,
  options: { prefix: string },
): Promise<ServiceReapReport> {
  if (options.prefix === "") throw new Error("reap needs the node's workload name prefix");
  const report: ServiceReapReport = { cgroups: [], namespaces: [], warnings: [] };
  for (const root of leaseCgroupRoots(host)) {
    for (const lease of subfolders(root)) {
      const name = path.basename(lease);
      if (!name.startsWith(options.prefix) || alive(name)) continue;
      for (const child of subfolders(lease)) {
        const pids = await cgroupPids([child]);
        report.warnings.push(...(await removeLeaseCgroup([child])));
        report.cgroups.push(child);
        if (pids.length > 0) report.warnings.push(`ended processes ${pids.join(", ")} of ${child}`);
      }
    }
  }
  for (const ns of listNetns(netnsName(options.prefix))) {
    const name = ns.slice(netnsName("").length);
    if (alive(name)) continue;
    try {
      await deleteNetns(ns);
      report.namespaces.push(ns);
    } catch (error) {
      report.warnings.push(`cannot delete network namespace ${ns}: ${(error as Error).message}`);
    }
  }
  return report;
}
