// The executor without a sandbox: the job runs as a plain process in its job folder, under the
// same wrapper and cgroup limits as bwrap. Only for providers who opt in (trusted buyers, or
// hosts where bubblewrap cannot run): the job sees and can change whatever its user can.
import { existsSync } from "node:fs";
import { createLeaseCgroup, detectCgroupHost, leaseCgroupDirs, leaseCgroupName, removeLeaseCgroup } from "./cgroup.js";
import { jobEnvironment } from "./env.js";
import { reapWrappedWorkloads } from "./reap.js";
import type { Executor, RunningWorkload, WorkloadRecord, WorkloadSpec } from "./types.js";
import { attachWrapped, launchWrapped } from "./wrapper.js";

// Read by the dynamic loader or a shell of the wrapper itself before the job starts; from a
// job's manifest they would run the buyer's code in the node's (maybe root) context.
const LOADER_VARIABLES = /^(LD_[A-Z_]+|BASH_ENV|ENV)$/;

/** Options of {@link createProcessExecutor}. */
export type ProcessExecutorOptions = {
  /** Where cgroups are mounted; default /sys/fs/cgroup. */
  cgroupBase?: string;
};

/**
 * The unsandboxed executor. Limits still apply through the lease's cgroup where the host allows;
 * network and file system are not restricted (start() says so in the warnings).
 *
 * @example
 * const executor = createProcessExecutor();
 * const running = await executor.start({ ...spec, command: ["sh", "-c", "python train.py"] });
 */
export function createProcessExecutor(options: ProcessExecutorOptions = {}): Executor & { name: "process" } {
  const cgroupHost = detectCgroupHost(options.cgroupBase);
  return {
    name: "process",
    async check() {
      return existsSync("/bin/sh") ? { ok: true } : { ok: false, reason: "/bin/sh not found" };
    },
    async start(spec: WorkloadSpec): Promise<RunningWorkload> {
      leaseCgroupName(spec.leaseId);
      if (spec.command.length === 0) throw new Error(`lease ${spec.leaseId}: the command is empty`);
      if (!existsSync(spec.jobDir)) throw new Error(`lease ${spec.leaseId}: job folder ${spec.jobDir} does not exist`);
      const env = jobEnvironment(spec, spec.jobDir);
      const { cgroup, warnings } = await createLeaseCgroup(await cgroupHost, spec.leaseId, spec.limits);
      for (const name of Object.keys(env)) {
        if (LOADER_VARIABLES.test(name)) {
          delete env[name];
          warnings.push(`environment variable ${name} dropped: the process executor does not pass loader variables`);
        }
      }
      if (!spec.network) warnings.push("network not restricted: the process executor has no sandbox");
      warnings.push("no sandbox: the job can read and write whatever the node's user can");
      try {
        return await launchWrapped({
          spec,
          argv: spec.command,
          env,
          cwd: spec.jobDir,
          ...(cgroup ? { cgroup } : {}),
          warnings,
        });
      } catch (error) {
        if (cgroup) await removeLeaseCgroup(cgroup.dirs);
        throw error;
      }
    },
    async attach(record: WorkloadRecord) {
      const cgroup = record.cgroup ? leaseCgroupDirs(await cgroupHost, record.cgroup) : undefined;
      return attachWrapped({ pid: record.pid, spec: record.spec, ...(cgroup ? { cgroup } : {}) });
    },
    async reap(alive, reapOptions) {
      return reapWrappedWorkloads(await cgroupHost, alive, reapOptions);
    },
  };
}
