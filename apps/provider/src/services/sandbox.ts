// How one service process is started: in the lease's network namespace (nsenter), as the sandbox
// user (setpriv), in a bubblewrap sandbox built like a batch job's (workload/bwrap.ts: read-only
// host programs, /job, seccomp, no capabilities), with the lease's /etc/hosts, its volumes bound
// in, ram volumes and /dev/shm as tmpfs of their sizes, and the lease's cgroup limits, under the
// same wrapper as every workload (logs capped, exit recorded, survives a node restart).
import { execFile, spawn } from "node:child_process";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, unlinkSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  BWRAP_FDS,
  type BwrapFeatures,
  buildBwrapArgs,
  bwrapFeatures,
  commandScript,
  resolveImageWorkload,
  SANDBOX_COMMAND,
  sandboxAccounts,
  sandboxRootOf,
} from "../workload/bwrap.js";
import { type CgroupHost, createLeaseCgroup, detectCgroupHost, type LeaseCgroup } from "../workload/cgroup.js";
import { jobEnvironment } from "../workload/env.js";
import { nvidiaDeviceNodes } from "../workload/gpuDevices.js";
import type { ImageStore } from "../workload/image/index.js";
import { buildSeccompFilter, currentSeccompArch } from "../workload/seccomp.js";
import type { RunningWorkload, WorkloadLimits, WorkloadSpec } from "../workload/types.js";
import { attachWrapped, launchWrapped } from "../workload/wrapper.js";

/** `sh -c` script: joins every cgroup folder in $1, then execs the rest of its arguments. */
const JOIN_CGROUP_AND_EXEC =
  'for d in $1; do echo $$ > "$d/cgroup.procs" || { echo "ocx: cannot join cgroup $d" >&2; exit 125; }; done; shift; exec "$@"';

/** Limits of a command run in a service's sandbox. */
export interface ExecLimits {
  /** Killed after this long. */
  timeoutMs: number;
  /** Bytes kept of each of stdout and stderr; the rest is counted, not kept. */
  maxOutputBytes: number;
}

/** What a command run in a service's sandbox did. */
export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  /** Killed at the time limit. */
  timedOut: boolean;
  durationMs: number;
  /** Its output, up to the byte limit (UTF-8; a character cut at the limit is replaced). */
  stdout: string;
  stderr: string;
  /** How many bytes it wrote in all (more than kept when over the limit). */
  stdoutBytes: number;
  stderrBytes: number;
}

/** The descriptor the sandbox's /etc/hosts is read from, after bwrap's own ({@link BWRAP_FDS}). */
const HOSTS_FD = 8;
const MiB = 1024 * 1024;

/** A volume as mounted into one service. */
export interface MountedVolume {
  /** Inside the sandbox. */
  path: string;
  readOnly: boolean;
  /** A host folder (persistent volume), or a tmpfs of this many MiB (ram volume). */
  source: { dir: string } | { tmpfsMiB: number };
}

/** Everything needed to start one service of a lease. */
export interface ServiceLaunch {
  /** The workload spec (its name, /job, command, env, limits, log and exit files). */
  spec: WorkloadSpec;
  netnsFile: string;
  hosts: string;
  volumes: MountedVolume[];
  shmMiB: number;
  /** The lease's cgroup (created once per lease with the lease's limits); the service gets a child of it. */
  leaseCgroup?: LeaseCgroup;
  /** The child cgroup's name under the lease's: the service name. */
  serviceName: string;
}

/** Options of {@link createServiceSandbox}. */
export interface ServiceSandboxOptions {
  bwrapPath?: string;
  setprivPath?: string;
  nsenterPath?: string;
  cgroupBase?: string;
  /** Host user of the services when the node runs as root; default nobody. null keeps the node's user. */
  sandboxUser?: { uid: number; gid: number } | null;
  /** Host folders to cover in the sandbox (the node's state folder). */
  hidePaths?: string[];
  /** Where images come from: a service naming an image runs in its unpacked root (workload/image/). */
  images?: ImageStore;
}

/** A file with `content` that exists only as the returned open descriptor. */
function descriptorOf(file: string, content: string | Buffer): number {
  writeFileSync(file, content, { mode: 0o600 });
  try {
    return openSync(file, "r");
  } finally {
    unlinkSync(file);
  }
}

/**
 * The extra bwrap options of a service: volumes, ram volumes, /dev/shm and /etc/hosts. They go
 * before the final `--remount-ro /` of {@link buildBwrapArgs}, where mount points can still be made.
 */
export function serviceMountArgs(volumes: readonly MountedVolume[], shmMiB: number, features: BwrapFeatures): string[] {
  const args: string[] = [];
  if (features.tmpfsSize && shmMiB > 0) args.push("--size", String(shmMiB * MiB));
  args.push("--tmpfs", "/dev/shm");
  for (const v of volumes) {
    if ("dir" in v.source) args.push(v.readOnly ? "--ro-bind" : "--bind", v.source.dir, v.path);
    else {
      if (features.tmpfsSize) args.push("--size", String(v.source.tmpfsMiB * MiB));
      args.push("--perms", v.readOnly ? "0555" : "0755", "--tmpfs", v.path);
      if (v.readOnly) args.push("--remount-ro", v.path);
    }
  }
  args.push("--ro-bind-data", String(HOSTS_FD), "/etc/hosts");
  return args;
}

/** Inserts `extra` before the last `--remount-ro /` of a bwrap option list. */
export function insertBeforeRootRemount(args: string[], extra: string[]): string[] {
  for (let i = args.length - 2; i >= 0; i--) {
    if (args[i] === "--remount-ro" && args[i + 1] === "/") return [...args.slice(0, i), ...extra, ...args.slice(i)];
  }
  throw new Error("the sandbox options have no `--remount-ro /`; cannot place the service's mounts");
}

/**
 * Creates the child cgroup of one service under the lease's (limits are the lease's, shared by its
 * services through the hierarchy). Returns undefined when the lease has none.
 */
async function serviceCgroup(host: CgroupHost, lease: LeaseCgroup | undefined, service: string) {
  if (!lease || lease.dirs.length === 0) return undefined;
  if (host.version === 2) {
    const parent = lease.dirs[0] as string;
    for (const controller of ["memory", "pids", "cpu"])
      await writeFile(path.join(parent, "cgroup.subtree_control"), `+${controller}`).catch(() => {});
  }
  const dirs: string[] = [];
  for (const dir of lease.dirs) {
    const child = path.join(dir, service);
    await mkdir(child, { recursive: true });
    dirs.push(child);
  }
  const memory = lease.dirs.find((d) => d.includes("/memory/")) ?? (host.version === 2 ? lease.dirs[0] : undefined);
  const child: LeaseCgroup = { name: `${lease.name}/${service}`, dirs };
  if (memory && host.version === 1) {
    child.oomFile = path.join(memory, service, "memory.oom_control");
    child.failcntFile = path.join(memory, service, "memory.failcnt");
  } else if (memory) child.oomFile = path.join(memory, service, "memory.events");
  return child;
}

/** The service sandbox: starts, re-attaches and checks service processes. */
export function createServiceSandbox(options: ServiceSandboxOptions = {}) {
  const bwrapPath = options.bwrapPath ?? "/usr/bin/bwrap";
  const setprivPath = options.setprivPath ?? "/usr/bin/setpriv";
  const nsenterPath = options.nsenterPath ?? "/usr/bin/nsenter";
  const isRoot = process.getuid?.() === 0;
  const sandboxUser =
    options.sandboxUser === undefined ? (isRoot ? { uid: 65534, gid: 65534 } : null) : options.sandboxUser;
  const cgroupHost = detectCgroupHost(options.cgroupBase);
  const arch = currentSeccompArch();
  const seccomp = arch ? buildSeccompFilter(arch) : null;
  let features: BwrapFeatures | undefined;
  const featuresOf = async () => {
    if (!features) {
      const help = await new Promise<string>((resolve) =>
        execFile(bwrapPath, ["--help"], { timeout: 15_000 }, (_e, out, err) => resolve(`${out}${err}`)),
      );
      features = bwrapFeatures(help);
    }
    return features;
  };
  const user = () => sandboxUser ?? { uid: process.getuid?.() ?? 65534, gid: process.getgid?.() ?? 65534 };

  /** The argv and descriptors of a sandboxed run of `command` for this service. */
  const prepare = async (launch: ServiceLaunch, command: string[]) => {
    const have = await featuresOf();
    // An image gives the root (and, without a command, the entrypoint, env and working folder).
    const resolved = await resolveImageWorkload(
      { ...launch.spec, command, network: true },
      options.images,
      sandboxUser,
    );
    const spec: WorkloadSpec = resolved.spec;
    if (spec.command.length === 0) throw new Error(`service ${launch.serviceName}: no command to run`);
    // The host's resolver files stay out: the lease's /etc/hosts is bound below, and there is no DNS.
    const root = sandboxRootOf({ ...spec, network: false }, resolved.image, []);
    const hide = [path.dirname(path.resolve(spec.jobDir)), ...(options.hidePaths ?? [])].filter(
      (p) => ["/usr", "/bin", "/sbin", "/lib", "/etc"].some((r) => p === r || p.startsWith(`${r}/`)) && existsSync(p),
    );
    // The lease's GPUs go to every service of it (a model server and its sidecars share them).
    const gpu = nvidiaDeviceNodes(spec.gpus);
    const base = buildBwrapArgs(spec, {
      ...root,
      devices: gpu.devices,
      hidePaths: hide,
      env: jobEnvironment(spec, "/job", gpu.visibleIds),
      seccomp: seccomp !== null,
      features: have,
    });
    const args = insertBeforeRootRemount(base, serviceMountArgs(launch.volumes, launch.shmMiB, have));
    const u = user();
    const accounts = sandboxAccounts(u.uid, u.gid);
    const stem = `${spec.exitPath}.bwrap-${process.pid}`;
    const fds: number[] = [];
    try {
      fds.push(descriptorOf(`${stem}-args`, `${args.join("\0")}\0`));
      fds.push(seccomp ? descriptorOf(`${stem}-seccomp`, seccomp) : openSync("/dev/null", "r"));
      fds.push(descriptorOf(`${stem}-command`, commandScript(spec.command)));
      fds.push(descriptorOf(`${stem}-passwd`, accounts.passwd));
      fds.push(descriptorOf(`${stem}-group`, accounts.group));
      fds.push(descriptorOf(`${stem}-hosts`, launch.hosts));
    } catch (error) {
      for (const fd of fds) closeSync(fd);
      throw error;
    }
    const drop = sandboxUser
      ? [setprivPath, `--reuid=${sandboxUser.uid}`, `--regid=${sandboxUser.gid}`, "--clear-groups", "--inh-caps=-all"]
      : [];
    const argv = [
      nsenterPath,
      `--net=${launch.netnsFile}`,
      ...drop,
      bwrapPath,
      "--args",
      String(BWRAP_FDS.args),
      "--",
      ...SANDBOX_COMMAND,
    ];
    return {
      argv,
      fds,
      warnings: [
        ...gpu.warnings,
        ...(have.tmpfsSize
          ? []
          : ["ram volumes and /dev/shm are not size-limited: this bwrap has no --size (0.8 has)"]),
      ],
    };
  };

  return {
    /** Gives a persistent volume's folder (or the job folder) to the sandbox user. */
    own(dir: string, mode = 0o700) {
      mkdirSync(dir, { recursive: true });
      const u = user();
      chownSync(dir, u.uid, u.gid);
      chmodSync(dir, mode);
    },
    /** The lease's cgroup with the lease's limits; its services get children of it. */
    async leaseCgroup(workloadName: string, limits: WorkloadLimits) {
      return createLeaseCgroup(await cgroupHost, workloadName, { ...limits, diskMiB: undefined });
    },
    /** Starts one run of the service. */
    async start(launch: ServiceLaunch): Promise<RunningWorkload> {
      const command = launch.spec.command;
      const host = await cgroupHost;
      const cgroup = await serviceCgroup(host, launch.leaseCgroup, launch.serviceName);
      const { argv, fds, warnings } = await prepare(launch, command);
      return launchWrapped({
        spec: launch.spec,
        argv,
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        cwd: "/",
        ...(cgroup ? { cgroup } : {}),
        warnings,
        extraFds: fds,
      });
    },
    /** Re-attaches to a run started by an earlier node process; null when it is gone. */
    async attach(launch: ServiceLaunch, pid: number): Promise<RunningWorkload | null> {
      const host = await cgroupHost;
      const cgroup = launch.leaseCgroup
        ? await serviceCgroup(host, launch.leaseCgroup, launch.serviceName).catch(() => undefined)
        : undefined;
      return attachWrapped({ pid, spec: launch.spec, ...(cgroup ? { cgroup } : {}) });
    },
    /**
     * Runs a buyer's command in a fresh sandbox like the service's (`ocx job shell`): the same user, mounts,
     * volumes and network, inside the service's cgroup (so it counts against the lease's memory, CPU and
     * processes). Its output is kept up to `maxOutputBytes` per stream (the rest is counted, not kept) and it is
     * killed at `timeoutMs`. Nothing is written to stdin.
     */
    async exec(launch: ServiceLaunch, command: string[], limits: ExecLimits): Promise<ExecResult> {
      const host = await cgroupHost;
      const cgroup = await serviceCgroup(host, launch.leaseCgroup, launch.serviceName);
      const { argv, fds } = await prepare(launch, command);
      // As for a service run: a shell joins the cgroup, then execs the sandbox (the same process id).
      const joined = cgroup?.dirs.length
        ? ["/bin/sh", "-c", JOIN_CGROUP_AND_EXEC, "ocx-exec", cgroup.dirs.join(" "), ...argv]
        : argv;
      const started = Date.now();
      return new Promise((resolve) => {
        let child: ReturnType<typeof spawn>;
        try {
          child = spawn(joined[0] as string, joined.slice(1), {
            stdio: ["ignore", "pipe", "pipe", ...fds],
            env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
            cwd: "/",
          });
        } finally {
          for (const fd of fds) closeSync(fd);
        }
        const streams = { stdout: { kept: [] as Buffer[], bytes: 0 }, stderr: { kept: [] as Buffer[], bytes: 0 } };
        for (const name of ["stdout", "stderr"] as const) {
          child[name]?.on("data", (chunk: Buffer) => {
            const stream = streams[name];
            const room = limits.maxOutputBytes - Math.min(stream.bytes, limits.maxOutputBytes);
            if (room > 0) stream.kept.push(chunk.subarray(0, room));
            stream.bytes += chunk.byteLength;
          });
        }
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, limits.timeoutMs);
        const finish = (exitCode: number | null, signal: string | null, error?: string) => {
          clearTimeout(timer);
          resolve({
            exitCode,
            signal,
            timedOut,
            durationMs: Date.now() - started,
            stdout: Buffer.concat(streams.stdout.kept).toString("utf8"),
            stderr: Buffer.concat(streams.stderr.kept).toString("utf8") + (error ? `ocx: ${error}\n` : ""),
            stdoutBytes: streams.stdout.bytes,
            stderrBytes: streams.stderr.bytes,
          });
        };
        child.once("error", (error) => finish(null, null, `the command could not start: ${error.message}`));
        child.once("close", (code, signal) => finish(code, signal));
      });
    },
    /** Runs a health-check command in a fresh sandbox like the service's; resolves its exit code (or a timeout). */
    async check(launch: ServiceLaunch, command: string[], timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
      const { argv, fds } = await prepare(launch, command);
      return new Promise((resolve) => {
        let child: ReturnType<typeof spawn>;
        try {
          child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "ignore", "ignore", ...fds] });
        } finally {
          for (const fd of fds) closeSync(fd);
        }
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.once("error", (error) => {
          clearTimeout(timer);
          resolve({ ok: false, detail: `the check command could not start: ${error.message}` });
        });
        child.once("exit", (code, signal) => {
          clearTimeout(timer);
          resolve(
            code === 0
              ? { ok: true, detail: "the check command exited 0" }
              : {
                  ok: false,
                  detail:
                    signal === "SIGKILL"
                      ? `the check command took over ${timeoutMs} ms`
                      : `the check command exited ${code ?? signal}`,
                },
          );
        });
      });
    },
  };
}

export type ServiceSandbox = ReturnType<typeof createServiceSandbox>;
