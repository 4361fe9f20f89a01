// The contract between the lease runner and the executors (bwrap, process, docker) that run a
// job's command. Workloads outlive the node process: everything needed to find one again after a
// crash is in the record {pid, cgroup, spec} the node stores.

/** Resource limits of one workload; a limit left out is not set. */
export type WorkloadLimits = {
  /** Memory (RAM, and swap where the host has it) in MiB; above it the kernel OOM-kills the job. */
  memoryMiB?: number;
  /** Most processes and threads the job may have at once. */
  pids?: number;
  /** CPU time as thousandths of a core: 1500 = one and a half cores. */
  cpuMillicores?: number;
  /**
   * Disk the job folder may use, in MiB. No single file may grow past it (RLIMIT_FSIZE), the
   * folder's real usage is measured while the job runs and the job is killed when it goes over
   * (reason "disk-limit"), the sandbox's /tmp is a tmpfs of this size, and packing its outputs
   * stops at this size.
   */
  diskMiB?: number;
};

/** Bytes of each of stdout and stderr kept when {@link WorkloadSpec.logLimitBytes} is not set: 16 MiB. */
export const DEFAULT_LOG_LIMIT_BYTES = 16 * 1024 * 1024;

/** What to run for one lease, and where. */
export type WorkloadSpec = {
  /** The lease this workload belongs to; names its cgroup (`ocx/<leaseId>`) and docker container. Letters, digits, `.`, `_`, `-`. */
  leaseId: string;
  /** Host folder of the job, with its inputs already in it; the only place the job can write. Seen as /job inside a sandbox. */
  jobDir: string;
  /** argv to run; the caller turns a string command into ["sh", "-c", cmd]. */
  command: string[];
  /** Environment of the job, and nothing else (plus PATH, HOME and the GPU variables the executor sets). */
  env: Record<string, string>;
  /** Whether the job may use the network. */
  network: boolean;
  limits: WorkloadLimits;
  /** GPU indexes or UUIDs to expose; [] = none. */
  gpus: string[];
  /**
   * Container image reference. The docker executor runs it; the bwrap executor, when it has an
   * image store, runs the command in the image's unpacked root (see workload/image/). An empty
   * `command` then means the image's own entrypoint and command.
   */
  image?: string;
  /** Host file the job's stdout is appended to. Keep it outside jobDir so the job cannot rewrite its own log. */
  stdoutPath: string;
  /** Host file the job's stderr is appended to. */
  stderrPath: string;
  /** Host file the wrapper writes the exit status to (JSON, atomically). Keep it outside jobDir so the job cannot forge it. */
  exitPath: string;
  /**
   * Most bytes kept of each of stdout and stderr (default {@link DEFAULT_LOG_LIMIT_BYTES}). Past
   * it the first half is kept as it came, the last half is kept back and appended when the job
   * ends, after a line `[ocx] log truncated: N bytes dropped …`. The log files are append-only.
   */
  logLimitBytes?: number;
};

/**
 * Why a workload ended, most specific first: "disk-limit" (killed for using more than its disk
 * limit), "memory-limit" (the kernel OOM-killed a process of it), "stopped" (the node stopped it),
 * "signal" (a signal from elsewhere ended it), "exited" (it exited by itself).
 */
export type WorkloadEndReason = "exited" | "signal" | "memory-limit" | "disk-limit" | "stopped";

/** How a workload ended. */
export type WorkloadExit = {
  /**
   * Exit status; 128 + n when ended by signal n (the shell's convention); -1 when nothing recorded
   * it. Never 0 for a workload killed for a limit: 137 (SIGKILL) when it would have read 0.
   */
  exitCode: number;
  /** The signal that ended it, e.g. "SIGKILL", when it ended by signal. */
  signal?: string;
  /** The kernel OOM-killed a process of this workload (its cgroup counted an oom_kill). */
  oomKilled: boolean;
  reason: WorkloadEndReason;
  /** Why, in words, for a limit: "used 70 MiB of its 64 MiB disk limit". */
  message?: string;
  /**
   * Unix seconds when the workload exited, from the exit record the wrapper wrote at that moment
   * (so it survives a node restart); the time the node saw it gone when there is no record.
   * Billing stops here, not when packing its outputs ends.
   */
  endedAt: number;
};

/** A workload that runs, or has run. */
export type RunningWorkload = {
  /** Process id of the wrapper that waits for the job and records its exit; store it to re-attach. */
  pid: number;
  /** The workload's cgroup name ("ocx/<leaseId>") relative to each controller's root, when one was made; store it to re-attach. */
  cgroup?: string;
  /** What could not be applied (limits the host cannot enforce); the job runs anyway. */
  warnings: string[];
  /** Resolves when the workload has ended and its cgroup is removed. */
  wait(): Promise<WorkloadExit>;
  /** Ends it: SIGTERM to every process of the job (not to the sandbox around it), SIGKILL to all after graceMs (default 10 s). */
  stop(graceMs?: number): Promise<WorkloadExit>;
};

/** What the node stores for each started workload, to find it again after a restart. */
export type WorkloadRecord = { pid: number; cgroup?: string; spec: WorkloadSpec };

/** The result of {@link Executor.check}. */
export type ExecutorCheck = { ok: true } | { ok: false; reason: string };

/** A way of running workloads. */
export type Executor = {
  name: "bwrap" | "process" | "docker";
  /** Whether this executor can run workloads on this host, and why not. Missing cgroup limits do not fail it. */
  check(): Promise<ExecutorCheck>;
  /** Starts the workload; resolves once it runs. */
  start(spec: WorkloadSpec): Promise<RunningWorkload>;
  /** Re-attaches to a workload started by a previous node process; null when it is gone and left no exit status. */
  attach(record: WorkloadRecord): Promise<RunningWorkload | null>;
  /**
   * Ends every process and removes every cgroup (or container) of workloads whose name starts
   * with `options.prefix` and for which `alive(name)` is false: what a killed node or wrapper
   * left behind. Call it at recovery, after re-attaching the workloads the node still runs.
   * Never throws; what it could not end is in the warnings.
   */
  reap(alive: (workloadName: string) => boolean, options: ReapOptions): Promise<ReapReport>;
};

/** Options of {@link Executor.reap}. */
export type ReapOptions = {
  /** Only workloads whose name starts with this are touched: the node's own (`<workloadTag>-`). Must not be empty. */
  prefix: string;
};

/** What {@link Executor.reap} ended. */
export type ReapReport = {
  /** One entry per workload found and ended: its name, the processes killed, the cgroups removed, and when (unix seconds). */
  reaped: { workloadName: string; pids: number[]; cgroups: string[]; endedAt: number }[];
  warnings: string[];
};
