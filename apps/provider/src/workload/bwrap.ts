// The default executor on Linux: the job runs in a bubblewrap sandbox with a read-only view of
// the host, a private /tmp, its job folder as /job (the only writable place), no network unless
// the lease asks for it, and limits through a cgroup per lease where the host allows.
import { execFile } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLeaseCgroup, detectCgroupHost, leaseCgroupDirs, leaseCgroupName, removeLeaseCgroup } from "./cgroup.js";
import { jobEnvironment } from "./env.js";
import { nvidiaDeviceNodes } from "./gpuDevices.js";
import { reapWrappedWorkloads } from "./reap.js";
import type { Executor, ExecutorCheck, RunningWorkload, WorkloadRecord, WorkloadSpec } from "./types.js";
import { attachWrapped, launchWrapped } from "./wrapper.js";

/** One entry of the host's root folder, as the sandbox recreates it. */
export type RootEntry = { name: string; kind: "dir" | "file" | "symlink"; target?: string };

// Replaced by the sandbox's own, or must not be seen inside.
const NOT_FROM_HOST = new Set(["proc", "dev", "tmp", "job"]);

/**
 * The host's root entries. The sandbox root is a tmpfs holding read-only binds of these (and
 * the same symlinks), not `--ro-bind / /`: a read-only root has no /job to mount the job folder on.
 */
export function hostRootEntries(root = "/"): RootEntry[] {
  const entries: RootEntry[] = [];
  for (const name of readdirSync(root).sort()) {
    if (NOT_FROM_HOST.has(name)) continue;
    const full = path.join(root, name);
    try {
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) entries.push({ name, kind: "symlink", target: readlinkSync(full) });
      else if (stat.isDirectory()) entries.push({ name, kind: "dir" });
      else if (stat.isFile()) entries.push({ name, kind: "file" });
    } catch {
      // Vanished while listed.
    }
  }
  return entries;
}

/** Everything {@link buildBwrapArgs} needs besides the spec. */
export type BwrapArgsInput = {
  rootEntries: RootEntry[];
  /** Device nodes to bind (GPUs); [] for none. */
  devices: string[];
  /** Host folders covered with an empty read-only tmpfs (other jobs' folders, the node's home). */
  hidePaths: string[];
  /** The job's whole environment; set after --clearenv. */
  env: Record<string, string>;
};

/**
 * The bwrap options for a workload, without the command. They are handed to bwrap through
 * `--args FD` rather than its command line, because /proc/<pid>/cmdline is readable by every
 * user of the host and the environment may hold the buyer's secrets.
 */
export function buildBwrapArgs(spec: WorkloadSpec, input: BwrapArgsInput): string[] {
  const args = ["--unshare-all", "--unshare-user"];
  if (spec.network) args.push("--share-net");
  // No --die-with-parent: the job must survive a node restart; the node stops it explicitly.
  args.push("--new-session", "--cap-drop", "ALL", "--tmpfs", "/");
  for (const entry of input.rootEntries) {
    const at = `/${entry.name}`;
    if (entry.kind === "symlink") args.push("--symlink", entry.target ?? "", at);
    else args.push("--ro-bind", at, at);
  }
  args.push("--proc", "/proc", "--dev", "/dev");
  // The job's /tmp lives in memory (charged to its memory cgroup); its disk limit bounds it too.
  if (spec.limits.diskMiB !== undefined) args.push("--size", String(Math.floor(spec.limits.diskMiB * 1024 * 1024)));
  args.push("--tmpfs", "/tmp");
  for (const device of input.devices) args.push("--dev-bind", device, device);
  args.push("--bind", spec.jobDir, "/job");
  for (const hidden of input.hidePaths) args.push("--tmpfs", hidden, "--remount-ro", hidden);
  args.push("--remount-ro", "/", "--chdir", "/job", "--clearenv");
  for (const [name, value] of Object.entries(input.env)) args.push("--setenv", name, value);
  return args;
}

/** Options of {@link createBwrapExecutor}. */
export type BwrapExecutorOptions = {
  /** bwrap binary; default /usr/bin/bwrap. */
  bwrapPath?: string;
  /** setpriv binary (util-linux), used to drop root before bwrap; default /usr/bin/setpriv. */
  setprivPath?: string;
  /** Where cgroups are mounted; default /sys/fs/cgroup. */
  cgroupBase?: string;
  /**
   * Host user the job runs as when the node runs as root; default nobody (65534:65534).
   * Without it a root node's jobs would own every root-owned file they can see (mode 600 keys
   * included) through the user namespace's mapping to uid 0. null keeps the node's user.
   */
  sandboxUser?: { uid: number; gid: number } | null;
  /** More host folders to hide from jobs (the node's key store, say). The job folder's parent and the node's home are always hidden. */
  hidePaths?: string[];
  /** Where the NVIDIA driver lists GPUs and where device nodes are; for tests. */
  gpu?: { procDir?: string; devDir?: string };
};

const runFile = (file: string, args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile(file, args, { timeout: 15_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${stderr}`.trim() || error.message)) : resolve(),
    ),
  );

/**
 * The bubblewrap executor.
 *
 * @example
 * const bwrap = createBwrapExecutor();
 * if ((await bwrap.check()).ok) {
 *   const running = await bwrap.start(spec);
 *   const exit = await running.wait();
 * }
 */
export function createBwrapExecutor(options: BwrapExecutorOptions = {}): Executor & { name: "bwrap" } {
  const bwrapPath = options.bwrapPath ?? "/usr/bin/bwrap";
  const setprivPath = options.setprivPath ?? "/usr/bin/setpriv";
  const isRoot = process.getuid?.() === 0;
  const sandboxUser =
    options.sandboxUser === undefined ? (isRoot ? { uid: 65534, gid: 65534 } : null) : options.sandboxUser;
  const cgroupHost = detectCgroupHost(options.cgroupBase);

  /** The argv prefix that drops root before bwrap runs. */
  const launcher = () =>
    sandboxUser
      ? [
          setprivPath,
          `--reuid=${sandboxUser.uid}`,
          `--regid=${sandboxUser.gid}`,
          "--clear-groups",
          "--inh-caps=-all",
          bwrapPath,
        ]
      : [bwrapPath];

  const hidePathsFor = (jobDir: string) => {
    const candidates = [path.dirname(path.resolve(jobDir)), os.homedir(), ...(options.hidePaths ?? [])];
    // "/" cannot be hidden and /tmp is already the sandbox's own.
    return [...new Set(candidates.map((p) => path.resolve(p)))].filter(
      (p) => p !== "/" && p !== "/tmp" && existsSync(p),
    );
  };

  const start = async (spec: WorkloadSpec): Promise<RunningWorkload> => {
    leaseCgroupName(spec.leaseId); // Validates before anything is created.
    if (spec.command.length === 0) throw new Error(`lease ${spec.leaseId}: the command is empty`);
    if (!existsSync(spec.jobDir)) throw new Error(`lease ${spec.leaseId}: job folder ${spec.jobDir} does not exist`);
    const gpu = nvidiaDeviceNodes(spec.gpus, options.gpu);
    const env = jobEnvironment(spec, "/job", gpu.visibleIds);
    if (sandboxUser) {
      assertTraversable(spec.jobDir, sandboxUser);
      chownTree(spec.jobDir, sandboxUser.uid, sandboxUser.gid);
    }
    chmodSync(spec.jobDir, 0o700);
    const bwrapArgs = buildBwrapArgs(spec, {
      rootEntries: hostRootEntries(),
      devices: gpu.devices,
      hidePaths: hidePathsFor(spec.jobDir),
      env,
    });

    const { cgroup, warnings } = await createLeaseCgroup(await cgroupHost, spec.leaseId, spec.limits);
    warnings.push(...gpu.warnings);
    try {
      const argsFile = `${spec.exitPath}.bwrap-args`;
      writeFileSync(argsFile, `${bwrapArgs.join("\0")}\0`, { mode: 0o600 });
      const argsFd = openSync(argsFile, "r");
      unlinkSync(argsFile); // bwrap reads the open file; nothing stays on disk.
      return await launchWrapped({
        spec,
        argv: [...launcher(), "--args", "3", "--", ...spec.command],
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        cwd: "/",
        ...(cgroup ? { cgroup } : {}),
        warnings,
        extraFds: [argsFd],
      });
    } catch (error) {
      if (cgroup) await removeLeaseCgroup(cgroup.dirs);
      throw error;
    }
  };

  return {
    name: "bwrap",
    async check(): Promise<ExecutorCheck> {
      if (!existsSync(bwrapPath))
        return { ok: false, reason: `bubblewrap not found at ${bwrapPath}: install it (apt-get install bubblewrap)` };
      if (sandboxUser && !existsSync(setprivPath)) {
        return {
          ok: false,
          reason: `setpriv not found at ${setprivPath}: needed to run jobs as uid ${sandboxUser.uid} (apt-get install util-linux)`,
        };
      }
      // A real sandbox start: user namespaces can be disabled (sysctl, AppArmor) even where bwrap exists.
      const jobDir = mkdtempSync(path.join(os.tmpdir(), "ocx-bwrap-check-"));
      try {
        if (sandboxUser) chownTree(jobDir, sandboxUser.uid, sandboxUser.gid);
        const spec: WorkloadSpec = {
          leaseId: "check",
          jobDir,
          command: ["true"],
          env: {},
          network: false,
          limits: {},
          gpus: [],
          stdoutPath: "/dev/null",
          stderrPath: "/dev/null",
          exitPath: "/dev/null",
        };
        const args = buildBwrapArgs(spec, {
          rootEntries: hostRootEntries(),
          devices: [],
          hidePaths: [],
          env: jobEnvironment(spec, "/job"),
        });
        const [file, ...prefix] = launcher();
        await runFile(file as string, [...prefix, ...args, "--", "/bin/sh", "-c", "touch /job/.ocx-check"]);
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: `bubblewrap cannot start a sandbox here: ${(error as Error).message}` };
      } finally {
        rmSync(jobDir, { recursive: true, force: true });
      }
    },
    start,
    async attach(record: WorkloadRecord) {
      const cgroup = record.cgroup ? leaseCgroupDirs(await cgroupHost, record.cgroup) : undefined;
      return attachWrapped({ pid: record.pid, spec: record.spec, ...(cgroup ? { cgroup } : {}) });
    },
    async reap(alive, reapOptions) {
      return reapWrappedWorkloads(await cgroupHost, alive, reapOptions);
    },
  };
}

/** Error thrown when the sandbox user could not reach the job folder through its parent folders. */
export class JobDirUnreachableError extends Error {
  override name = "JobDirUnreachableError";
}

/**
 * bwrap runs as the sandbox user and opens the job folder by path, so every folder above it must
 * let that user pass (the x bit). The node does not change host folders' modes by itself.
 */
function assertTraversable(jobDir: string, user: { uid: number; gid: number }): void {
  for (let dir = path.dirname(path.resolve(jobDir)); ; dir = path.dirname(dir)) {
    const stat = statSync(dir);
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) {
      throw new JobDirUnreachableError(
        `job folder ${jobDir} is not reachable by the sandbox user (uid ${user.uid}): ${dir} has mode ${(stat.mode & 0o777).toString(8)}; allow passing through it (chmod o+x ${dir}) or keep job folders elsewhere`,
      );
    }
    if (dir === "/") return;
  }
}

/** Gives the job's folder to the sandbox user, so the job can write its outputs and read its inputs. */
function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, uid, gid);
    else {
      try {
        // lchown: a symlink in the inputs must not redirect the chown to a host file.
        (lstatSync(full).isSymbolicLink() ? lchownSync : chownSync)(full, uid, gid);
      } catch {
        // A node the job cannot use anyway.
      }
    }
  }
}
