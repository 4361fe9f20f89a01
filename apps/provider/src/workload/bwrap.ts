// The default executor on Linux: the job runs in a bubblewrap sandbox with a read-only view of the
// host's programs and libraries (not its other files), a private /tmp, its job folder as /job
// (the only writable place), no network unless the lease asks for it, a seccomp filter, no nested
// user namespaces, and limits through a cgroup per lease where the host allows. See docs/sandbox.md.
import { execFile, spawn } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
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
import type { ImageStore, UnpackedImage } from "./image/index.js";
import { reapWrappedWorkloads } from "./reap.js";
import { buildSeccompFilter, currentSeccompArch } from "./seccomp.js";
import type { Executor, ExecutorCheck, RunningWorkload, WorkloadRecord, WorkloadSpec } from "./types.js";
import { attachWrapped, launchWrapped } from "./wrapper.js";

/**
 * One entry of the sandbox's root, as the sandbox recreates it: `name` is its path under "/"
 * ("usr", "etc/ssl"), `source` the host path bound there (default: the same path on the host).
 */
export type RootEntry = { name: string; kind: "dir" | "file" | "symlink"; target?: string; source?: string };

/**
 * What of the host's root a job sees, read-only: programs and libraries. Not /home, /root, /opt,
 * /srv, /var, /mnt, /media, /run, /work or anything else a host keeps there; /etc is rebuilt
 * from {@link SANDBOX_ETC}. Providers add what their jobs need (a CUDA or conda install outside
 * /usr) through the executor's `exposePaths`.
 */
export const SANDBOX_ROOT = new Set(["bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr"]);

/**
 * The host's /etc entries a job sees: the loader's cache, name-service and time zone files,
 * the CA certificates, and Debian's alternatives (the links many programs in /usr/bin go through).
 * passwd and group are the sandbox's own; resolv.conf and hosts only with network.
 */
export const SANDBOX_ETC = [
  "alternatives",
  "ca-certificates",
  "ca-certificates.conf",
  "gai.conf",
  "host.conf",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "localtime",
  "mime.types",
  "nsswitch.conf",
  "pki",
  "protocols",
  "services",
  "ssl",
  "timezone",
];
const SANDBOX_ETC_NETWORK = ["hosts", "resolv.conf"];

/**
 * The host's root entries the sandbox recreates ({@link SANDBOX_ROOT}, and `/sys` for GPU jobs,
 * whose libraries read the PCI topology there). The sandbox root is a tmpfs holding read-only
 * binds of these (and the same symlinks), not `--ro-bind / /`: a read-only root has no /job to
 * mount the job folder on.
 */
export function sandboxRootEntries(root = "/", options: { gpus?: boolean } = {}): RootEntry[] {
  const entries: RootEntry[] = [];
  for (const name of readdirSync(root).sort()) {
    if (!SANDBOX_ROOT.has(name) && !(options.gpus && name === "sys")) continue;
    const full = path.join(root, name);
    try {
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) entries.push({ name, kind: "symlink", target: readlinkSync(full) });
      else if (stat.isDirectory()) entries.push({ name, kind: "dir" });
    } catch {
      // Vanished while listed.
    }
  }
  return entries;
}

// An image's own entries the sandbox replaces: kernel file systems, /tmp and /job, /run (where
// the command script goes), and /etc's account and resolver files.
const IMAGE_ROOT_REPLACED = new Set(["proc", "dev", "sys", "tmp", "job", "run", "etc"]);
const IMAGE_ETC_REPLACED = new Set(["passwd", "group", "hosts", "resolv.conf", "hostname", "mtab"]);

/**
 * The entries of an unpacked image's root ({@link UnpackedImage.root}) the sandbox binds
 * read-only as its "/": everything but what the sandbox provides itself, /etc entry by entry
 * (passwd and group are the sandbox's own; hosts and resolv.conf the host's, with network only),
 * and the host's /sys for GPU workloads.
 */
export function imageRootEntries(imageRoot: string, options: { gpus?: boolean } = {}): RootEntry[] {
  const entries: RootEntry[] = [];
  const add = (folder: string, prefix: string, skip: Set<string>) => {
    for (const name of readdirSync(folder).sort()) {
      if (skip.has(name)) continue;
      const source = path.join(folder, name);
      const stat = lstatSync(source);
      const entry = `${prefix}${name}`;
      if (stat.isSymbolicLink()) entries.push({ name: entry, kind: "symlink", target: readlinkSync(source) });
      else if (stat.isDirectory()) entries.push({ name: entry, kind: "dir", source });
      else if (stat.isFile()) entries.push({ name: entry, kind: "file", source });
    }
  };
  add(imageRoot, "", IMAGE_ROOT_REPLACED);
  const etc = path.join(imageRoot, "etc");
  if (existsSync(etc) && lstatSync(etc).isDirectory()) add(etc, "etc/", IMAGE_ETC_REPLACED);
  if (options.gpus) entries.push({ name: "sys", kind: "dir" });
  return entries;
}

/** The /etc files of the sandbox that exist on this host, as absolute paths. */
export function sandboxEtcPaths(network: boolean, etc = "/etc"): string[] {
  return [...SANDBOX_ETC, ...(network ? SANDBOX_ETC_NETWORK : [])]
    .sort()
    .map((name) => path.join(etc, name))
    .filter((file) => existsSync(file));
}

/**
 * The sandbox's /etc/passwd and /etc/group: root, nobody, and the job's own user when it is
 * neither, whose home is /job. No host account is listed.
 */
export function sandboxAccounts(uid: number, gid: number): { passwd: string; group: string } {
  const passwd = ["root:x:0:0:root:/root:/usr/sbin/nologin"];
  const group = ["root:x:0:"];
  if (uid !== 0 && uid !== 65534) passwd.push(`job:x:${uid}:${gid}:job:/job:/bin/sh`);
  if (gid !== 0 && gid !== 65534) group.push(`job:x:${gid}:`);
  passwd.push(`nobody:x:65534:65534:nobody:${uid === 65534 ? "/job" : "/nonexistent"}:/usr/sbin/nologin`);
  group.push("nogroup:x:65534:");
  return { passwd: `${passwd.join("\n")}\n`, group: `${group.join("\n")}\n` };
}

/** Quotes one argument for sh: `'…'`, with each `'` written as `'\''`. */
export const shellQuote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * The script that runs the job's command inside the sandbox, so that the command is in no host
 * process's command line before it starts (bwrap's and the wrapper's say only `--args 3`).
 */
export const commandScript = (command: readonly string[]) => `exec ${command.map(shellQuote).join(" ")}\n`;

/** The file descriptors bwrap reads its setup from; the wrapper hands them over in this order. */
export const BWRAP_FDS = { args: 3, seccomp: 4, command: 5, passwd: 6, group: 7 } as const;

/** Where the command script is inside the sandbox. */
export const SANDBOX_COMMAND_PATH = "/run/ocx/command";

/** Everything {@link buildBwrapArgs} needs besides the spec. */
export type BwrapArgsInput = {
  rootEntries: RootEntry[];
  /** Host /etc files and folders bound read-only at the same place ({@link sandboxEtcPaths}). */
  etcPaths: string[];
  /** Device nodes to bind (GPUs); [] for none. */
  devices: string[];
  /** Host folders covered with an empty read-only tmpfs (other jobs' folders, the node's home). */
  hidePaths: string[];
  /** More host paths bound read-only at the same place (the executor's `exposePaths`). */
  exposePaths?: string[];
  /** The job's whole environment; set after --clearenv. */
  env: Record<string, string>;
  /** Whether a seccomp program is handed over on {@link BWRAP_FDS}.seccomp. */
  seccomp: boolean;
  /** Options this bwrap has ({@link bwrapFeatures}); all by default. */
  features?: BwrapFeatures;
  /** The command's working folder; default /job. */
  chdir?: string;
  /** /dev/shm as a tmpfs of this many MiB (with `--size`); left out, it is a folder of /dev's tmpfs. */
  shmMiB?: number;
};

/** Options of newer bwrap releases the sandbox uses when they are there (Ubuntu 22.04 ships 0.6). */
export type BwrapFeatures = {
  /** `--disable-userns` (0.8): without it the seccomp filter alone keeps nested user namespaces out. */
  disableUserns: boolean;
  /** `--size` for a tmpfs: without it /tmp is bounded by the memory limit only. */
  tmpfsSize: boolean;
};

/** Which of {@link BwrapFeatures} a bwrap has, from its `--help`. */
export function bwrapFeatures(help: string): BwrapFeatures {
  return { disableUserns: help.includes("--disable-userns"), tmpfsSize: /^\s*--size\b/m.test(help) };
}

/**
 * The bwrap options for a workload, without the command ({@link SANDBOX_COMMAND}). They are handed to bwrap through `--args FD` rather than its command line, because
 * /proc/<pid>/cmdline is readable by every user of the host and the environment and the command
 * may hold the buyer's secrets.
 */
export function buildBwrapArgs(spec: WorkloadSpec, input: BwrapArgsInput): string[] {
  const features = input.features ?? { disableUserns: true, tmpfsSize: true };
  // --disable-userns: no nested user namespace (with it most namespace tricks of kernel exploits).
  const args = ["--unshare-all", "--unshare-user", ...(features.disableUserns ? ["--disable-userns"] : [])];
  if (spec.network) args.push("--share-net");
  // No --die-with-parent: the job must survive a node restart; the node stops it explicitly.
  args.push("--new-session", "--cap-drop", "ALL", "--tmpfs", "/");
  for (const entry of input.rootEntries) {
    const at = `/${entry.name}`;
    if (entry.kind === "symlink") args.push("--symlink", entry.target ?? "", at);
    else args.push("--ro-bind", entry.source ?? at, at);
  }
  for (const etc of input.etcPaths) args.push("--ro-bind", etc, etc);
  args.push("--ro-bind-data", String(BWRAP_FDS.passwd), "/etc/passwd");
  args.push("--ro-bind-data", String(BWRAP_FDS.group), "/etc/group");
  for (const exposed of input.exposePaths ?? []) args.push("--ro-bind", exposed, exposed);
  args.push("--proc", "/proc", "--dev", "/dev");
  if (input.shmMiB !== undefined && features.tmpfsSize) {
    args.push("--size", String(Math.floor(input.shmMiB * 1024 * 1024)), "--tmpfs", "/dev/shm");
  }
  // The job's /tmp lives in memory (charged to its memory cgroup); its disk limit bounds it too.
  if (spec.limits.diskMiB !== undefined && features.tmpfsSize)
    args.push("--size", String(Math.floor(spec.limits.diskMiB * 1024 * 1024)));
  args.push("--tmpfs", "/tmp");
  for (const device of input.devices) args.push("--dev-bind", device, device);
  args.push("--bind", spec.jobDir, "/job");
  for (const hidden of input.hidePaths) args.push("--tmpfs", hidden, "--remount-ro", hidden);
  args.push("--ro-bind-data", String(BWRAP_FDS.command), SANDBOX_COMMAND_PATH);
  if (input.seccomp) args.push("--seccomp", String(BWRAP_FDS.seccomp));
  args.push("--remount-ro", "/", "--chdir", input.chdir ?? "/job", "--clearenv");
  for (const [name, value] of Object.entries(input.env)) args.push("--setenv", name, value);
  return args;
}

/** What bwrap runs after its options: the job's command script. */
export const SANDBOX_COMMAND = ["/bin/sh", SANDBOX_COMMAND_PATH] as const;

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
  /** Host paths outside /usr that jobs need, bound read-only at the same place (a CUDA or conda install in /opt). */
  exposePaths?: string[];
  /** The seccomp filter ({@link buildSeccompFilter}); default on where the architecture is known (x86_64, arm64). */
  seccomp?: boolean;
  /** Where the NVIDIA driver lists GPUs and where device nodes are; for tests. */
  gpu?: { procDir?: string; devDir?: string };
  /**
   * Where images come from. With it a workload naming an image runs in the image's unpacked
   * root instead of the host's programs; without it such a workload is refused.
   */
  images?: ImageStore;
  /**
   * When an image cannot be found or fetched (no store, not preloaded, registry unreachable),
   * run the workload's own command in the host-root sandbox instead, with a warning, rather
   * than refuse it. Off by default; the node turns it on from `images.fallbackToHostRoot`.
   */
  imageFallbackToHostRoot?: boolean;
};

/** A file with `content` that exists only as the returned open descriptor: written, opened, unlinked. */
function descriptorOf(file: string, content: string | Buffer): number {
  writeFileSync(file, content, { mode: 0o600 });
  try {
    return openSync(file, "r");
  } finally {
    unlinkSync(file);
  }
}

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
  let features: BwrapFeatures | undefined;
  /** Read once: bwrap's --help lists the options this release has. */
  const featuresOf = async () => {
    if (!features) {
      const help = await new Promise<string>((resolve) =>
        execFile(bwrapPath, ["--help"], { timeout: 15_000 }, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`)),
      );
      features = bwrapFeatures(help);
    }
    return features;
  };
  const arch = currentSeccompArch();
  const seccompProgram = options.seccomp !== false && arch ? buildSeccompFilter(arch) : null;
  const exposePaths = (options.exposePaths ?? []).map((p) => path.resolve(p));
  for (const exposed of exposePaths) {
    if (exposed === "/" || !existsSync(exposed))
      throw new Error(`exposePaths: ${exposed} ${exposed === "/" ? "would expose the whole host" : "does not exist"}`);
  }

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
    // Only what the sandbox would otherwise show: a folder outside the bound trees is not there anyway.
    const visible = [...[...SANDBOX_ROOT].map((name) => `/${name}`), "/etc", ...exposePaths];
    const shown = (p: string) => visible.some((root) => p === root || p.startsWith(`${root}/`));
    return [...new Set(candidates.map((p) => path.resolve(p)))].filter((p) => shown(p) && existsSync(p));
  };

  /**
   * The argv of a sandboxed run and the descriptors it reads (fd 3, 4, … in {@link BWRAP_FDS}
   * order): its options, the seccomp program, the command script, passwd and group. Nothing of
   * them stays on disk.
   */
  const prepare = (
    spec: WorkloadSpec,
    input: { devices: string[]; hidePaths: string[]; env: Record<string, string>; image?: ImageRun },
  ) => {
    const { image, ...rest } = input;
    const args = buildBwrapArgs(spec, {
      ...sandboxRootOf(spec, image, exposePaths),
      seccomp: seccompProgram !== null,
      features: features ?? { disableUserns: false, tmpfsSize: false },
      ...rest,
    });
    const user = sandboxUser ?? { uid: process.getuid?.() ?? 65534, gid: process.getgid?.() ?? 65534 };
    const accounts = sandboxAccounts(user.uid, user.gid);
    const base = `${spec.exitPath}.bwrap-${process.pid}`;
    const fds: number[] = [];
    try {
      fds.push(descriptorOf(`${base}-args`, `${args.join("\0")}\0`));
      // bwrap reads --seccomp only when asked; /dev/null keeps the descriptor numbers fixed.
      fds.push(seccompProgram ? descriptorOf(`${base}-seccomp`, seccompProgram) : openSync("/dev/null", "r"));
      fds.push(descriptorOf(`${base}-command`, commandScript(spec.command)));
      fds.push(descriptorOf(`${base}-passwd`, accounts.passwd));
      fds.push(descriptorOf(`${base}-group`, accounts.group));
    } catch (error) {
      for (const fd of fds) closeSync(fd);
      throw error;
    }
    return { argv: [...launcher(), "--args", String(BWRAP_FDS.args), "--", ...SANDBOX_COMMAND], fds };
  };

  const start = async (asked: WorkloadSpec): Promise<RunningWorkload> => {
    leaseCgroupName(asked.leaseId); // Validates before anything is created.
    if (asked.command.length === 0 && !asked.image) throw new Error(`lease ${asked.leaseId}: the command is empty`);
    if (!existsSync(asked.jobDir)) throw new Error(`lease ${asked.leaseId}: job folder ${asked.jobDir} does not exist`);
    const imageWarnings: string[] = [];
    let resolved: { spec: WorkloadSpec; image?: ImageRun };
    try {
      resolved = await resolveImageWorkload(asked, options.images, sandboxUser);
    } catch (error) {
      // The provider's choice (images.fallbackToHostRoot): an image that cannot be had runs its
      // command in the sandbox's host root, as before images were supported — said in the warnings.
      if (!options.imageFallbackToHostRoot || asked.command.length === 0) throw error;
      const warning = `image ${asked.image} was not run (${(error as Error).message}); the command runs in the provider's sandbox root instead (images.fallbackToHostRoot)`;
      imageWarnings.push(warning);
      // The buyer reads it too: first line of the job's stderr, as the wrapper's own notes are.
      appendFileSync(asked.stderrPath, `[ocx] ${warning}\n`);
      resolved = { spec: asked };
    }
    const { spec, image } = resolved;
    const gpu = nvidiaDeviceNodes(spec.gpus, options.gpu);
    const env = jobEnvironment(spec, "/job", gpu.visibleIds);
    if (sandboxUser) {
      assertTraversable(spec.jobDir, sandboxUser);
      chownTree(spec.jobDir, sandboxUser.uid, sandboxUser.gid);
    }
    chmodSync(spec.jobDir, 0o700);
    const { cgroup, warnings } = await createLeaseCgroup(await cgroupHost, spec.leaseId, spec.limits);
    warnings.push(...imageWarnings, ...gpu.warnings);
    if (!seccompProgram && options.seccomp !== false)
      warnings.push(`no seccomp filter: system call numbers of ${process.arch} are not known`);
    try {
      const have = await featuresOf();
      if (spec.limits.diskMiB !== undefined && !have.tmpfsSize)
        warnings.push(
          "/tmp is not bounded by the disk limit (only by memory): this bwrap has no --size; bwrap 0.8 has",
        );
      const { argv, fds } = prepare(spec, {
        devices: gpu.devices,
        hidePaths: image ? [] : hidePathsFor(spec.jobDir),
        env,
        ...(image ? { image } : {}),
      });
      return await launchWrapped({
        spec,
        argv,
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
        cwd: "/",
        ...(cgroup ? { cgroup } : {}),
        warnings,
        extraFds: fds,
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
      const root = mkdtempSync(path.join(os.tmpdir(), "ocx-bwrap-check-"));
      const jobDir = path.join(root, "job");
      try {
        chmodSync(root, 0o711);
        mkdirSync(jobDir);
        if (sandboxUser) chownTree(jobDir, sandboxUser.uid, sandboxUser.gid);
        const spec: WorkloadSpec = {
          leaseId: "check",
          jobDir,
          command: ["/bin/sh", "-c", "touch /job/.ocx-check"],
          env: {},
          network: false,
          limits: {},
          gpus: [],
          stdoutPath: "/dev/null",
          stderrPath: "/dev/null",
          exitPath: path.join(root, "exit.json"),
        };
        await featuresOf();
        const { argv, fds } = prepare(spec, { devices: [], hidePaths: [], env: jobEnvironment(spec, "/job") });
        await runWithFds(argv, fds);
        if (!existsSync(path.join(jobDir, ".ocx-check"))) throw new Error("the check job wrote nothing to /job");
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: `bubblewrap cannot start a sandbox here: ${(error as Error).message}` };
      } finally {
        rmSync(root, { recursive: true, force: true });
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

/** Runs argv with `fds` as its fd 3, 4, …, and resolves when it exits 0; rejects with its stderr otherwise. */
function runWithFds(argv: string[], fds: number[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let stderr = "";
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "ignore", "pipe", ...fds] });
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(stderr.trim() || `exited with ${code ?? signal}`));
    });
  });
}

/** An unpacked image and the folder its command starts in. */
export type ImageRun = UnpackedImage & { chdir: string };

/**
 * The image a workload names, unpacked (pulled or imported on first use), and the spec to run in
 * it: the image's entrypoint and command when the spec has none, the image's environment under
 * the spec's, and the folder to start in (/job for the spec's own command, else the image's
 * working folder). A spec without an image comes back as it is. The service runtime uses it too.
 * @example
 * const { spec, image } = await resolveImageWorkload(asked, images, { uid: 65534, gid: 65534 });
 * buildBwrapArgs(spec, { ...sandboxRootOf(spec, image, []), devices: [], hidePaths: [], env, seccomp: true });
 */
export async function resolveImageWorkload(
  asked: WorkloadSpec,
  images: ImageStore | undefined,
  sandboxUser: { uid: number; gid: number } | null,
): Promise<{ spec: WorkloadSpec; image?: ImageRun }> {
  if (!asked.image) return { spec: asked };
  if (!images) {
    throw new Error(
      `lease ${asked.leaseId}: the workload names the image ${asked.image}, but this provider has no image store; configure images (or run the docker executor)`,
    );
  }
  const image = await images.resolve(asked.image);
  if (sandboxUser) assertImageReachable(image, sandboxUser);
  const fromImage = asked.command.length === 0;
  const command = fromImage ? [...image.config.entrypoint, ...image.config.cmd] : asked.command;
  if (command.length === 0) {
    throw new Error(
      `lease ${asked.leaseId}: the image ${asked.image} has no entrypoint or command; give the workload a command`,
    );
  }
  // The image's variables first, the manifest's over them; names a shell cannot export are left out.
  const imageEnv = Object.fromEntries(
    Object.entries(image.config.env).filter(([name]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)),
  );
  const spec = { ...asked, command, env: { ...imageEnv, ...asked.env } };
  return { spec, image: { ...image, chdir: fromImage ? (image.config.workingDir ?? "/") : "/job" } };
}

/**
 * What the sandbox's root is made of: the host's programs and libraries (and `exposePaths`), or
 * an image's root with only the host's resolver files (with network) and no extra paths.
 */
export function sandboxRootOf(
  spec: WorkloadSpec,
  image: ImageRun | undefined,
  exposePaths: string[],
): Pick<BwrapArgsInput, "rootEntries" | "etcPaths" | "exposePaths" | "chdir" | "shmMiB"> {
  const gpus = spec.gpus.length > 0;
  if (!image)
    return { rootEntries: sandboxRootEntries("/", { gpus }), etcPaths: sandboxEtcPaths(spec.network), exposePaths };
  return {
    rootEntries: imageRootEntries(image.root, { gpus }),
    etcPaths: sandboxEtcPaths(spec.network).filter((file) => ["/etc/hosts", "/etc/resolv.conf"].includes(file)),
    exposePaths: [],
    chdir: image.chdir,
    // As under Docker, the image's /dev/shm is its own tmpfs, here as large as the memory limit.
    ...(spec.limits.memoryMiB !== undefined ? { shmMiB: spec.limits.memoryMiB } : {}),
  };
}

/** bwrap binds the image's root as the sandbox user: every folder above it must let that user pass. */
function assertImageReachable(image: UnpackedImage, user: { uid: number; gid: number }): void {
  for (let dir = path.dirname(image.root); ; dir = path.dirname(dir)) {
    const stat = statSync(dir);
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) {
      throw new JobDirUnreachableError(
        `the image cache ${image.root} is not reachable by the sandbox user (uid ${user.uid}): ${dir} has mode ${(stat.mode & 0o777).toString(8)}; allow passing through it (chmod o+x ${dir}) or keep the image cache elsewhere`,
      );
    }
    if (dir === "/") return;
  }
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
