// The small `sh` wrapper every executor runs its workload under, and the RunningWorkload built
// on it. The wrapper is the workload's parent, not the node: it runs detached in its own session,
// so the job survives a node crash, and it records the exit status to a file the next node
// process can read.
import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  type Dirent,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { lstat, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { cgroupPids, type LeaseCgroup, readOomEvidence, removeLeaseCgroup } from "./cgroup.js";
import {
  DEFAULT_LOG_LIMIT_BYTES,
  type RunningWorkload,
  type WorkloadEndReason,
  type WorkloadExit,
  type WorkloadSpec,
} from "./types.js";

/**
 * The log capture in perl (perl-base is essential on Debian and Ubuntu): one process per stream.
 * It writes the first HEAD bytes as they come, keeps the last TAIL bytes of the rest (trimmed
 * only when twice that, so memory stays under 2 × TAIL and copying is amortised), and at the end
 * writes the notice of what it dropped and the kept tail.
 */
export const PERL_LOG_CAPTURE = `my ($h, $t) = @ARGV; my ($n, $tail, $buf) = (0, "", "");
sub out { my $d = shift; my $o = 0; while ($o < length $d) { my $w = syswrite(STDOUT, $d, length($d) - $o, $o); die "ocx log capture: $!\\n" unless defined $w; $o += $w; } }
while (my $r = sysread(STDIN, $buf, 65536)) {
  my $k = $n < $h ? $h - $n : 0; $k = $r if $k > $r;
  out(substr($buf, 0, $k)) if $k > 0;
  $tail .= substr($buf, $k) if $k < $r;
  substr($tail, 0, length($tail) - $t, "") if length($tail) > 2 * $t;
  $n += $r;
}
substr($tail, 0, length($tail) - $t, "") if length($tail) > $t;
my $dropped = $n - $h - length($tail);
out(sprintf("\\n[ocx] log truncated: %d bytes dropped (kept the first %d and the last %d bytes)\\n", $dropped, $h, length($tail))) if $dropped > 0;
out($tail);
`;

/**
 * The wrapper: `sh -c WRAPPER_SCRIPT ocx-wrapper EXIT_PATH OOM_FILE FAILCNT_FILE "CGROUP_DIRS" LOG_LIMIT CAPTURE ARGV...`,
 * where CAPTURE is {@link PERL_LOG_CAPTURE} or "sh".
 * A child shell joins the cgroup and execs the workload, so the wrapper itself stays outside the
 * cgroup: the OOM killer and the pids limit never pick it, and it lives to record the status.
 *
 * The job's stdout and stderr go through a fifo each to a log capture (perl, or with "sh"
 * `head -c`, then `dd | tail -c`, for hosts without perl) that
 * appends them to the log files the wrapper was given as fd 1 and 2: the first LOG_LIMIT/2 bytes
 * as they come, and, past them, the last LOG_LIMIT/2 bytes when the stream ends, after a notice
 * of how many bytes were dropped. The capture runs in a subshell, a fork of the wrapper with its
 * command line, which is how the node tells it (and its children) from the job.
 *
 * When the workload ends it touches EXIT_PATH.ended, whose mtime is the end time (billing stops
 * there; a builtin redirect, no process to start), kills what is left in the cgroup, waits for
 * the logs to be written, reads the oom evidence, and writes
 * `{"exitCode","signal","oomKill","failcnt"}` to EXIT_PATH in one write, so the logs are
 * complete once it exists. The node removes the fifos and the cgroup. Every step in the common
 * path is a shell builtin, but for mkfifo and the capture: each process started costs time at
 * every job start.
 */
export const WRAPPER_SCRIPT = `exit_path=$1 oom_file=$2 failcnt_file=$3 cgroup_dirs=$4 log_limit=$5 capture_with=$6
shift 6
job_path=$PATH
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
head_bytes=$((log_limit / 2))
tail_bytes=$((log_limit - head_bytes))
out_fifo=$exit_path.stdout.fifo err_fifo=$exit_path.stderr.fifo
capture() {
  if [ "$capture_with" != sh ]; then perl -e "$capture_with" "$head_bytes" "$tail_bytes" <"$1"; return; fi
  info=$( { head -c "$head_bytes" >&3 && dd bs=65536 | tail -c "$tail_bytes" >"$2"; } 2>&1 <"$1")
  if [ -s "$2" ]; then
    total=\${info##*records out
}
    total=\${total%% *}
    case $total in ''|*[!0-9]*) total=0 ;; esac
    kept=$(wc -c <"$2")
    dropped=$((total - kept))
    [ "$dropped" -gt 0 ] && printf '\\n[ocx] log truncated: %s bytes dropped (kept the first %s and the last %s bytes)\\n' "$dropped" "$head_bytes" "$kept"
    cat "$2"
  fi
  rm -f "$2"
}
mkfifo -m 600 "$out_fifo" "$err_fifo" 2>/dev/null || { rm -f "$out_fifo" "$err_fifo"; mkfifo -m 600 "$out_fifo" "$err_fifo"; } || exit 125
capture "$out_fifo" "$exit_path.stdout.tail" 3>&1 &
out_pid=$!
capture "$err_fifo" "$exit_path.stderr.tail" 3>&2 >&2 &
err_pid=$!
PATH=$job_path /bin/sh -c 'for d in $1; do echo $$ > "$d/cgroup.procs" || { echo "ocx: cannot join cgroup $d" >&2; exit 125; }; done; shift; exec "$@"' ocx-job "$cgroup_dirs" "$@" >"$out_fifo" 2>"$err_fifo"
code=$?
: >"$exit_path.ended"
for d in $cgroup_dirs; do
  if [ -r "$d/cgroup.procs" ]; then while read -r p; do kill -9 "$p" 2>/dev/null; done <"$d/cgroup.procs"; fi
done
wait "$out_pid" "$err_pid"
sig=
if [ "$code" -gt 128 ]; then sig=$(kill -l "$code" 2>/dev/null); fi
oom=null
if [ -n "$oom_file" ] && [ -r "$oom_file" ]; then while read -r key value; do [ "$key" = oom_kill ] && oom=$value; done <"$oom_file"; fi
failcnt=null
if [ -n "$failcnt_file" ] && [ -r "$failcnt_file" ]; then read -r n <"$failcnt_file" && [ -n "$n" ] && failcnt=$n; fi
printf '{"exitCode":%s,"signal":"%s","oomKill":%s,"failcnt":%s}\\n' "$code" "$sig" "$oom" "$failcnt" >"$exit_path"
exit "$code"
`;

/** The exit record the wrapper writes to `exitPath`. */
export type ExitRecord = {
  exitCode: number;
  /** Signal name without "SIG" ("KILL"), "" when it exited normally. */
  signal: string;
  oomKill: number | null;
  failcnt: number | null;
  /** Unix seconds when the workload exited (records of older nodes: an ISO time). */
  endedAt?: number | string;
};

/** Why the node itself killed a workload for a limit; written to `<exitPath>.limit` before the kill, so it survives a restart. */
export type LimitKill = { reason: "disk-limit"; message: string };

/**
 * Reads the wrapper's exit record; null when there is none (yet). Its endedAt is the mtime of
 * `<exitPath>.ended`, which the wrapper touched the moment the workload exited.
 */
export async function readExitRecord(exitPath: string): Promise<ExitRecord | null> {
  let record: ExitRecord;
  try {
    record = JSON.parse(await readFile(exitPath, "utf8")) as ExitRecord;
  } catch {
    return null;
  }
  if (record.endedAt === undefined) {
    const ended = await stat(`${exitPath}.ended`).catch(() => null);
    if (ended) record.endedAt = Math.floor(ended.mtimeMs / 1000);
  }
  return record;
}

/** Reads the note of a limit kill the node made; null when it made none. */
export async function readLimitKill(exitPath: string): Promise<LimitKill | null> {
  try {
    return JSON.parse(await readFile(`${exitPath}.limit`, "utf8")) as LimitKill;
  } catch {
    return null;
  }
}

async function writeExitRecord(exitPath: string, record: ExitRecord): Promise<void> {
  const tmp = `${exitPath}.tmp.${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(record)}\n`);
  await rename(tmp, exitPath);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Unix seconds of a record's endedAt; `fallback` when it has none. */
function endedAtSeconds(endedAt: number | string | undefined, fallback: number): number {
  if (typeof endedAt === "number" && Number.isFinite(endedAt)) return endedAt;
  const parsed = typeof endedAt === "string" ? Date.parse(endedAt) : Number.NaN;
  return Number.isNaN(parsed) ? fallback : Math.floor(parsed / 1000);
}

/**
 * Turns an exit record into a {@link WorkloadExit}. OOM: the cgroup counted an oom_kill (or, on
 * kernels without that counter, hit its limit and the job died of SIGKILL). A workload killed
 * for a limit never reports exit code 0, even where its top process exited 0 after a child was
 * killed: 137, as for SIGKILL.
 */
export function toWorkloadExit(
  record: ExitRecord,
  context: { stopRequested: boolean; limitKill?: LimitKill | null; memoryMiB?: number } = { stopRequested: false },
): WorkloadExit {
  const signal = record.signal ? `SIG${record.signal.replace(/^SIG/, "")}` : undefined;
  const oomKilled =
    (record.oomKill ?? 0) > 0 || (record.oomKill === null && (record.failcnt ?? 0) > 0 && signal === "SIGKILL");
  let reason: WorkloadEndReason;
  let message: string | undefined;
  if (context.limitKill?.reason === "disk-limit") {
    reason = "disk-limit";
    message = context.limitKill.message;
  } else if (oomKilled) {
    reason = "memory-limit";
    message = `killed by the kernel for exceeding its ${context.memoryMiB !== undefined ? `${context.memoryMiB} MiB ` : ""}memory limit`;
  } else if (context.stopRequested) reason = "stopped";
  else if (signal) reason = "signal";
  else reason = "exited";
  const limited = reason === "disk-limit" || reason === "memory-limit";
  return {
    exitCode: limited && record.exitCode === 0 ? 137 : record.exitCode,
    ...(signal ? { signal } : {}),
    oomKilled,
    reason,
    ...(message ? { message } : {}),
    endedAt: endedAtSeconds(record.endedAt, nowSeconds()),
  };
}

/** Whether `pid` is still the wrapper of this workload (alive, not a zombie, and not a reused pid). */
export function isWrapperAlive(pid: number, exitPath: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(exitPath);
  } catch {
    return false;
  }
}

/** The parent of every process, from /proc. */
function parentsByPid(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // Exited while we looked.
    }
  }
  return children;
}

/**
 * Every descendant of `pid` (children, their children, …), from /proc. Sandboxed processes in
 * their own pid namespace are included. A subtree whose root `skip` names is left out.
 */
export function descendantPids(pid: number, skip?: (pid: number) => boolean): number[] {
  const children = parentsByPid();
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      if (skip?.(child)) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Whether a process is bubblewrap itself (the outer bwrap or its init in the job's pid namespace), not the job. */
const isSandboxRuntime = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8") === "bwrap\n";
  } catch {
    return false;
  }
};

const readCmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return null;
  }
};

function signalPids(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unrefSleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

const MiB = 1024 * 1024;
const INODE_BYTES = 4096;

/**
 * Bytes the folder really holds: allocated blocks of every file and folder under it (at least
 * 4 KiB each, for its inode), each inode once (hard links), symlinks not followed. A sparse file counts by what it allocated; its
 * apparent size is held by RLIMIT_FSIZE and by packing's own bound.
 */
export async function diskUsage(dir: string): Promise<number> {
  const seen = new Set<number>();
  let bytes = 0;
  const walk = async (folder: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return; // Removed while we looked, or not a folder the node may read.
    }
    for (const entry of entries) {
      const full = `${folder}/${entry.name}`;
      try {
        const stat = await lstat(full);
        if (stat.nlink > 1) {
          if (seen.has(stat.ino)) continue;
          seen.add(stat.ino);
        }
        // At least a block per inode: a million empty files are not free to the host's file system.
        bytes += Math.max(stat.blocks * 512, INODE_BYTES);
        if (stat.isDirectory()) await walk(full);
      } catch {
        // Removed while we looked.
      }
    }
  };
  await walk(dir);
  return bytes;
}

/**
 * How fast the disk watcher assumes a job can write, to decide how soon to look again: the
 * closer the job is to its limit, the sooner. 2 GiB/s is a fast NVMe disk or the page cache.
 */
const ASSUMED_WRITE_BYTES_PER_MS = (2 * 1024 * MiB) / 1000;
const DISK_POLL_MIN_MS = 20;
const DISK_POLL_MAX_MS = 250;

/** The next look of the disk watcher: sooner near the limit, never costing more than a fifth of a core on big folders. */
export function nextDiskPollMs(usedBytes: number, limitBytes: number, walkMs: number): number {
  const untilLimit = Math.max(0, limitBytes - usedBytes) / ASSUMED_WRITE_BYTES_PER_MS;
  const wanted = Math.min(DISK_POLL_MAX_MS, Math.max(DISK_POLL_MIN_MS, untilLimit));
  return Math.max(wanted, walkMs * 4);
}

/** What {@link launchWrapped} runs. */
export type WrappedLaunch = {
  spec: WorkloadSpec;
  /** The argv the wrapper runs (bwrap …, the job itself, docker run …). */
  argv: string[];
  /** The complete environment of the wrapper and what it runs: nothing of the node's own. */
  env: Record<string, string>;
  cwd: string;
  cgroup?: LeaseCgroup;
  warnings: string[];
  /** File descriptors handed to the wrapper as fd 3, 4, …; closed here once it runs. */
  extraFds?: number[];
  /** Asked first when stopping (docker: `docker stop`); the process signals follow. */
  stopHook?: (graceMs: number) => Promise<void>;
  /** prlimit binary that holds every file of the job to its disk limit; default /usr/bin/prlimit. */
  prlimitPath?: string;
  /** How logs are captured: perl (default where /usr/bin/perl exists) or coreutils through sh. */
  logCapture?: "perl" | "sh";
};

/**
 * The environment variable that marks every process the wrapper starts outside a sandbox (the
 * wrapper, its log capture, setpriv, bwrap and bwrap's init, a process job) with the workload's
 * name, so that {@link Executor.reap} finds them when the wrapper is gone.
 */
export const WORKLOAD_MARKER = "OCX_WORKLOAD";

/**
 * Starts `argv` under the wrapper, detached in a new session with stdout/stderr captured into
 * the spec's files (capped at its logLimitBytes), and returns the RunningWorkload. With a disk
 * limit, `prlimit --fsize` holds every file of the job to it. The node may die at any point
 * after this resolves; {@link attachWrapped} finds the workload again.
 */
export async function launchWrapped(launch: WrappedLaunch): Promise<RunningWorkload> {
  const { spec, cgroup } = launch;
  const logLimit = spec.logLimitBytes ?? DEFAULT_LOG_LIMIT_BYTES;
  if (!Number.isSafeInteger(logLimit) || logLimit < 2) {
    throw new Error(
      `lease ${spec.leaseId}: logLimitBytes must be a whole number of bytes of at least 2, got ${logLimit}`,
    );
  }
  const diskMiB = spec.limits.diskMiB;
  const argv = [...launch.argv];
  if (diskMiB !== undefined) {
    if (!(diskMiB > 0)) throw new Error(`lease ${spec.leaseId}: the disk limit must be above 0 MiB, got ${diskMiB}`);
    const prlimit = launch.prlimitPath ?? "/usr/bin/prlimit";
    const bytes = Math.floor(diskMiB * MiB);
    if (existsSync(prlimit)) argv.unshift(prlimit, `--fsize=${bytes}:${bytes}`, "--");
    else
      launch.warnings.push(
        `per-file size limit not applied: ${prlimit} not found (apt-get install util-linux); the disk watcher still applies`,
      );
  }
  // Notes of an earlier run with the same exit path would be taken for this run's.
  for (const stale of [`${spec.exitPath}.limit`, `${spec.exitPath}.ended`]) rmSync(stale, { force: true });
  const stdout = openSync(spec.stdoutPath, "a");
  const stderr = openSync(spec.stderrPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(
      "/bin/sh",
      [
        "-c",
        WRAPPER_SCRIPT,
        "ocx-wrapper",
        spec.exitPath,
        cgroup?.oomFile ?? "",
        cgroup?.failcntFile ?? "",
        (cgroup?.dirs ?? []).join(" "),
        String(logLimit),
        (launch.logCapture ?? (existsSync("/usr/bin/perl") ? "perl" : "sh")) === "perl" ? PERL_LOG_CAPTURE : "sh",
        ...argv,
      ],
      {
        cwd: launch.cwd,
        env: { ...launch.env, [WORKLOAD_MARKER]: spec.leaseId },
        detached: true,
        stdio: ["ignore", stdout, stderr, ...(launch.extraFds ?? [])],
      },
    );
  } finally {
    for (const fd of [stdout, stderr, ...(launch.extraFds ?? [])]) closeSync(fd);
  }
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("spawn", () => resolve(child.pid as number));
    child.once("error", reject);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  // The node must be free to exit while workloads run; wait() keeps it alive while awaited.
  child.unref();
  return trackWorkload({ pid, spec, cgroup, warnings: launch.warnings, stopHook: launch.stopHook, exited });
}

/**
 * Finds a workload started by an earlier node process: a live wrapper is followed (its end is
 * seen by polling the pid), a finished one is answered from its exit record. Null when the
 * wrapper is gone and left no record.
 */
export async function attachWrapped(attach: {
  pid: number;
  spec: WorkloadSpec;
  cgroup?: LeaseCgroup;
  stopHook?: (graceMs: number) => Promise<void>;
}): Promise<RunningWorkload | null> {
  const { pid, spec } = attach;
  const alive = isWrapperAlive(pid, spec.exitPath);
  // Read after the liveness check: a wrapper that ends in between has written its record first.
  if (!alive && !existsSync(spec.exitPath)) return null;
  return trackWorkload({ ...attach, warnings: [] });
}

function trackWorkload(tracked: {
  pid: number;
  spec: WorkloadSpec;
  cgroup?: LeaseCgroup;
  warnings: string[];
  stopHook?: (graceMs: number) => Promise<void>;
  exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}): RunningWorkload {
  const { pid, spec, cgroup } = tracked;
  let stopRequested = false;
  let wrapperGone = false;
  // The log capture subshells are forks of the wrapper, with its command line: they are not the
  // job, and must live on after it to write the end of its logs.
  const wrapperCmdline = readCmdline(pid);
  const isLogCapture = (child: number) => wrapperCmdline !== null && readCmdline(child) === wrapperCmdline;

  const wrapperExited: Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> = tracked.exited
    ? tracked.exited
    : (async () => {
        while (isWrapperAlive(pid, spec.exitPath)) await sleep(100);
        return null;
      })();

  const ended: Promise<WorkloadExit> = (async () => {
    const wrapperStatus = await wrapperExited;
    wrapperGone = true;
    await Promise.all(
      ["stdout.fifo", "stderr.fifo", "stdout.tail", "stderr.tail"].map((suffix) =>
        rm(`${spec.exitPath}.${suffix}`, { force: true }).catch(() => {}),
      ),
    );
    let record = await readExitRecord(spec.exitPath);
    const evidence = cgroup ? await readOomEvidence(cgroup) : { oomKill: null, failcnt: null };
    if (cgroup) {
      const warnings = await removeLeaseCgroup(cgroup.dirs);
      tracked.warnings.push(...warnings);
    }
    if (!record) {
      // The wrapper itself was killed (by us after a failed stop, or from outside): record what we know.
      const signalNumber = wrapperStatus?.signal ? osConstants.signals[wrapperStatus.signal] : undefined;
      record = {
        exitCode: wrapperStatus?.code ?? (signalNumber !== undefined ? 128 + signalNumber : -1),
        signal: wrapperStatus?.signal?.replace(/^SIG/, "") ?? "",
        ...evidence,
        endedAt: nowSeconds(),
      };
      await writeExitRecord(spec.exitPath, record).catch(() => {});
    }
    return toWorkloadExit(record, {
      stopRequested,
      limitKill: await readLimitKill(spec.exitPath),
      ...(spec.limits.memoryMiB !== undefined ? { memoryMiB: spec.limits.memoryMiB } : {}),
    });
  })();
  ended.catch(() => {});

  const jobPids = async () => {
    const pids = new Set([
      ...(wrapperGone ? [] : descendantPids(pid, isLogCapture)),
      ...(cgroup ? await cgroupPids(cgroup.dirs) : []),
    ]);
    pids.delete(pid);
    return pids;
  };

  /** Kills the job the moment its folder holds more than its disk limit; the note of why is written first. */
  const watchDisk = async (diskMiB: number) => {
    const limitBytes = Math.floor(diskMiB * MiB);
    // The cost of a walk is the least of the last three: one slow walk (a cold start, a busy
    // moment) must not stretch the next look, a big folder makes every walk slow.
    const recentWalks: number[] = [];
    while (!wrapperGone) {
      const started = performance.now();
      const used = await diskUsage(spec.jobDir);
      const walkMs = performance.now() - started;
      if (used > limitBytes && !wrapperGone) {
        // Rounded up: the message never says less than the job used.
        const note: LimitKill = {
          reason: "disk-limit",
          message: `used ${Math.ceil(used / MiB)} MiB of its ${diskMiB} MiB disk limit`,
        };
        // The note first (synchronously: a restarted node must know why), then the kill, cgroup
        // first: its list is one read, and a fast writer adds a megabyte every millisecond.
        writeFileSync(`${spec.exitPath}.limit`, `${JSON.stringify(note)}\n`);
        // Read synchronously: the thread pool may be busy with the walk or with other leases.
        for (const dir of cgroup?.dirs ?? []) {
          let procs = "";
          try {
            procs = readFileSync(`${dir}/cgroup.procs`, "utf8");
          } catch {
            continue;
          }
          signalPids(
            procs
              .split("\n")
              .filter((line) => line !== "")
              .map(Number),
            "SIGKILL",
          );
        }
        for (let round = 0; round < 200 && !wrapperGone; round++) {
          const targets = await jobPids();
          if (targets.size === 0) break;
          signalPids(targets, "SIGKILL");
          await unrefSleep(25);
        }
        return;
      }
      recentWalks.push(walkMs);
      if (recentWalks.length > 3) recentWalks.shift();
      await unrefSleep(nextDiskPollMs(used, limitBytes, Math.min(...recentWalks)));
    }
  };
  if (spec.limits.diskMiB !== undefined) {
    void watchDisk(spec.limits.diskMiB).catch((error: unknown) =>
      tracked.warnings.push(`disk watcher stopped: ${(error as Error).message}`),
    );
  }

  return {
    pid,
    ...(cgroup ? { cgroup: cgroup.name } : {}),
    warnings: tracked.warnings,
    wait: async () => {
      // The wrapper's handle is unref'd; hold the event loop open while someone waits.
      const keepAlive = setInterval(() => {}, 1 << 30);
      try {
        return await ended;
      } finally {
        clearInterval(keepAlive);
      }
    },
    stop: async (graceMs = 10_000) => {
      stopRequested = true;
      if (!wrapperGone) {
        if (tracked.stopHook) await tracked.stopHook(graceMs).catch(() => {});
        // Remember who was asked to stop: processes that outlive their parent (a sandbox whose
        // outer bwrap died first) are then still found without a cgroup.
        const targets = await jobPids();
        // SIGTERM goes to the job's own processes only. The sandbox's bwrap ends when its command
        // does; terminated first, it would end the wrapper, whose cgroup sweep then SIGKILLs a job
        // still inside its grace (a model server closing its books lost its last write).
        signalPids(
          [...targets].filter((target) => !isSandboxRuntime(target)),
          "SIGTERM",
        );
        const deadline = Date.now() + graceMs;
        const alive = async () => {
          for (const found of await jobPids()) targets.add(found);
          return [...targets].filter((target) => {
            try {
              process.kill(target, 0);
              return !readFileSync(`/proc/${target}/stat`, "utf8").includes(") Z");
            } catch {
              return false;
            }
          });
        };
        while (Date.now() < deadline && (!wrapperGone || (await alive()).length > 0)) await sleep(25);
        if (!wrapperGone || (await alive()).length > 0) {
          signalPids(await alive(), "SIGKILL");
          const killDeadline = Date.now() + 5000;
          while (!wrapperGone && Date.now() < killDeadline) await sleep(25);
          if (!wrapperGone) signalPids([pid], "SIGKILL");
        }
      }
      return ended;
    },
  };
}
