// The executor for production GPU hosts with a Docker engine and the NVIDIA container toolkit:
// `docker run` under the same wrapper, so the exit status survives a node restart too. Docker
// applies the limits itself (its own cgroup), so no OCX cgroup is made.
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { commandScript } from "./bwrap.js";
import { leaseCgroupName } from "./cgroup.js";
import { jobEnvironment } from "./env.js";
import { reapWrappedWorkloads } from "./reap.js";
import type { Executor, ExecutorCheck, RunningWorkload, WorkloadRecord, WorkloadSpec } from "./types.js";
import { attachWrapped, launchWrapped } from "./wrapper.js";

/** The container name of a lease: "ocx-<leaseId>". */
export const dockerContainerName = (leaseId: string) => `ocx-${leaseId}`;

/** Where the job's command script is mounted inside the container. */
export const DOCKER_COMMAND_PATH = "/run/ocx/command";

/**
 * The `docker run` argv of a workload (without the leading "docker"). The environment goes
 * through `--env-file` (written by the executor, mode 600) rather than `-e NAME=value`, and the
 * command through a script mounted read-only at {@link DOCKER_COMMAND_PATH} and run by the image's
 * /bin/sh (after the image's entrypoint, if it has one), because every user of the host can read
 * /proc/<pid>/cmdline. Docker's own log of the container is off: its output reaches the lease's
 * capped logs through the wrapper. With a disk limit the container's root is read-only, no file
 * may grow past the limit, and /tmp is a tmpfs of its size.
 *
 * @example
 * buildDockerRunArgs(spec, "/var/lib/ocx/leases/7/exit.json.env", "/var/lib/ocx/leases/7/exit.json.command");
 * // ["run", "--rm", "--name", "ocx-7", "--init", "-v", "/jobs/7:/job", "-w", "/job", "--network", "none", …, "image", "/bin/sh", "/run/ocx/command"]
 */
export function buildDockerRunArgs(spec: WorkloadSpec, envFile: string, commandFile: string): string[] {
  if (!spec.image) throw new Error(`lease ${spec.leaseId}: the docker executor needs an image`);
  leaseCgroupName(spec.leaseId); // Validates the id for use in a container name.
  const args = ["run", "--rm", "--name", dockerContainerName(spec.leaseId), "--init"];
  args.push("-v", `${spec.jobDir}:/job`, "-w", "/job", "--env-file", envFile);
  args.push("-v", `${commandFile}:${DOCKER_COMMAND_PATH}:ro`, "--log-driver", "none");
  if (!spec.network) args.push("--network", "none");
  const { memoryMiB, pids, cpuMillicores, diskMiB } = spec.limits;
  // --memory-swap equal to --memory: no swap on top of the limit, as with the bwrap cgroups.
  if (memoryMiB !== undefined) args.push("--memory", `${memoryMiB}m`, "--memory-swap", `${memoryMiB}m`);
  if (pids !== undefined) args.push("--pids-limit", String(pids));
  if (cpuMillicores !== undefined) args.push("--cpus", (cpuMillicores / 1000).toString());
  if (diskMiB !== undefined) {
    const bytes = Math.floor(diskMiB * 1024 * 1024);
    args.push("--read-only", "--tmpfs", `/tmp:rw,nosuid,nodev,size=${bytes}`, "--ulimit", `fsize=${bytes}:${bytes}`);
  }
  if (spec.gpus.length > 0) args.push("--gpus", `"device=${spec.gpus.join(",")}"`);
  args.push("--security-opt", "no-new-privileges", "--cap-drop", "ALL");
  args.push(spec.image, "/bin/sh", DOCKER_COMMAND_PATH);
  return args;
}

/** The env file docker reads: NAME=value lines. Docker cannot carry a newline in a value, so that is refused. */
export function dockerEnvFile(spec: WorkloadSpec): string {
  // Inside the container GPUs are renumbered from 0 by the runtime: CUDA sees all it is given.
  const env = jobEnvironment(spec, "/job", spec.gpus.length > 0 ? spec.gpus.map((_, i) => String(i)) : []);
  return Object.entries(env)
    .map(([name, value]) => {
      if (/[\r\n]/.test(value))
        throw new Error(
          `lease ${spec.leaseId}: environment variable ${name} has a line break, which docker cannot pass`,
        );
      return `${name}=${value}\n`;
    })
    .join("");
}

const docker = (args: string[], timeoutMs = 15_000) =>
  new Promise<string>((resolve, reject) =>
    execFile("docker", args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`${stderr}`.trim() || error.message)) : resolve(stdout),
    ),
  );

/**
 * The docker executor. check() fails where no engine answers `docker info` (as on the
 * development machines, which have the client but no daemon).
 */
export function createDockerExecutor(): Executor & { name: "docker" } {
  const stopHook = (leaseId: string) => async (graceMs: number) => {
    await docker(["stop", "-t", String(Math.ceil(graceMs / 1000)), dockerContainerName(leaseId)], graceMs + 15_000);
  };
  return {
    name: "docker",
    async check(): Promise<ExecutorCheck> {
      try {
        await docker(["info", "--format", "{{.ServerVersion}}"]);
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: `no docker engine: ${(error as Error).message}` };
      }
    },
    async start(spec: WorkloadSpec): Promise<RunningWorkload> {
      if (!existsSync(spec.jobDir)) throw new Error(`lease ${spec.leaseId}: job folder ${spec.jobDir} does not exist`);
      if (spec.command.length === 0) throw new Error(`lease ${spec.leaseId}: the command is empty`);
      const envFile = `${spec.exitPath}.env`;
      writeFileSync(envFile, dockerEnvFile(spec), { mode: 0o600 });
      // Readable by the container's user, whoever the image makes it; the folder above keeps it from others.
      const commandFile = `${spec.exitPath}.command`;
      writeFileSync(commandFile, commandScript(spec.command), { mode: 0o644 });
      return launchWrapped({
        spec,
        argv: ["docker", ...buildDockerRunArgs(spec, envFile, commandFile)],
        env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
        cwd: "/",
        warnings: [],
        stopHook: stopHook(spec.leaseId),
      });
    },
    async attach(record: WorkloadRecord) {
      return attachWrapped({ pid: record.pid, spec: record.spec, stopHook: stopHook(record.spec.leaseId) });
    },
    async reap(alive, reapOptions) {
      // The wrappers and `docker run` clients first, then the containers, which docker keeps
      // running without them.
      const report = await reapWrappedWorkloads(
        { version: null, reason: "docker owns the cgroups" },
        alive,
        reapOptions,
      );
      let names: string[] = [];
      try {
        const listed = await docker([
          "ps",
          "-a",
          "--filter",
          `name=^${dockerContainerName(reapOptions.prefix)}`,
          "--format",
          "{{.Names}}",
        ]);
        names = listed.split("\n").filter((line) => line !== "");
      } catch (error) {
        report.warnings.push(`cannot list containers to reap: ${(error as Error).message}`);
      }
      for (const container of names) {
        const workloadName = container.slice("ocx-".length);
        if (!workloadName.startsWith(reapOptions.prefix) || alive(workloadName)) continue;
        try {
          await docker(["rm", "-f", container]);
          const earlier = report.reaped.find((entry) => entry.workloadName === workloadName);
          if (!earlier)
            report.reaped.push({ workloadName, pids: [], cgroups: [], endedAt: Math.floor(Date.now() / 1000) });
        } catch (error) {
          report.warnings.push(`cannot remove container ${container}: ${(error as Error).message}`);
        }
      }
      return report;
    },
  };
}
