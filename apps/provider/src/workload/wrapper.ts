// The small `sh` wrapper every executor runs its workload under, and the RunningWorkload built
// on it. The wrapper is the workload's parent, not the node: it runs detached in its own session,
// so the job survives a node crash, and it records the exit status to a file the next node
// process can read.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { cgroupPids, type LeaseCgroup, readOomEvidence, removeLeaseCgroup } from "./cgroup.js";
import type { RunningWorkload, WorkloadExit, WorkloadSpec } from "./types.js";

/**
 * The wrapper: `sh -c WRAPPER_SCRIPT ocx-wrapper EXIT_PATH OOM_FILE FAILCNT_FILE "CGROUP_DIRS" ARGV...`.
 * A child shell joins the cgroup and execs the workload, so the wrapper itself stays outside the
 * cgroup: the OOM killer and the pids limit never pick it, and it lives to record the status.
 * After the workload ends it records oom evidence, removes the cgroup when empty, and writes
 * `{"exitCode","signal","oomKill","failcnt","endedAt"}` to EXIT_PATH through a temporary file
 * and `mv`, so a reader never sees half a record.
 */
export const WRAPPER_SCRIPT = `exit_path=$1 oom_file=$2 failcnt_file=$3 cgroup_dirs=$4
shift 4
/bin/sh -c 'for d in $1; do echo $$ > "$d/cgroup.procs" || { echo "ocx: cannot join cgroup $d" >&2; exit 125; }; done; shift; exec "$@"' ocx-job "$cgroup_dirs" "$@"
code=$?
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
sig=
if [ "$code" -gt 128 ]; then sig=$(kill -l "$code" 2>/dev/null); fi
oom=null
if [ -n "$oom_file" ]; then n=$(sed -n 's/^oom_kill //p' "$oom_file" 2>/dev/null); [ -n "$n" ] && oom=$n; fi
failcnt=null
if [ -n "$failcnt_file" ]; then n=$(cat "$failcnt_file" 2>/dev/null); [ -n "$n" ] && failcnt=$n; fi
for d in $cgroup_dirs; do rmdir "$d" 2>/dev/null; done
printf '{"exitCode":%s,"signal":"%s","oomKill":%s,"failcnt":%s,"endedAt":"%s"}\\n' "$code" "$sig" "$oom" "$failcnt" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$exit_path.tmp.$$" && mv -f "$exit_path.tmp.$$" "$exit_path"
exit "$code"
`;

/** The exit record the wrapper writes to `exitPath`. */
export type ExitRecord = {
  exitCode: number;
  /** Signal name without "SIG" ("KILL"), "" when it exited normally. */
  signal: string;
  oomKill: number | null;
  failcnt: number | null;
  endedAt?: string;
};

/** Reads the wrapper's exit record; null when there is none (yet). */
export async function readExitRecord(exitPath: string): Promise<ExitRecord | null> {
  try {
    return JSON.parse(await readFile(exitPath, "utf8")) as ExitRecord;
  } catch {
    return null;
  }
}

async function writeExitRecord(exitPath: string, record: ExitRecord): Promise<void> {
  const tmp = `${exitPath}.tmp.${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(record)}\n`);
  await rename(tmp, exitPath);
}

/**
 * Turns an exit record into a {@link WorkloadExit}. OOM: the cgroup counted an oom_kill (or, on
 * kernels without that counter, hit its limit) and the job died of SIGKILL.
 */
export function toWorkloadExit(record: ExitRecord, stopRequested: boolean): WorkloadExit {
  const signal = record.signal ? `SIG${record.signal.replace(/^SIG/, "")}` : undefined;
  const oomKilled =
    (record.oomKill ?? 0) > 0 || (record.oomKill === null && (record.failcnt ?? 0) > 0 && signal === "SIGKILL");
  const reason = oomKilled && signal === "SIGKILL" ? "oom" : stopRequested || signal ? "killed" : "exited";
  return { exitCode: record.exitCode, ...(signal ? { signal } : {}), oomKilled, reason };
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

/** Every descendant of `pid` (children, their children, …), from /proc. Sandboxed processes in their own pid namespace are included. */
export function descendantPids(pid: number): number[] {
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
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

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
};

/**
 * Starts `argv` under the wrapper, detached in a new session with stdout/stderr appended straight
 * to the spec's files, and returns the RunningWorkload. The node may die at any point after this
 * resolves; {@link attachWrapped} finds the workload again.
 */
export async function launchWrapped(launch: WrappedLaunch): Promise<RunningWorkload> {
  const { spec, cgroup } = launch;
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
        ...launch.argv,
      ],
      {
        cwd: launch.cwd,
        env: launch.env,
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

  const wrapperExited: Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> = tracked.exited
    ? tracked.exited
    : (async () => {
        while (isWrapperAlive(pid, spec.exitPath)) await sleep(100);
        return null;
      })();

  const ended: Promise<WorkloadExit> = (async () => {
    const wrapperStatus = await wrapperExited;
    wrapperGone = true;
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
        endedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      };
      await writeExitRecord(spec.exitPath, record).catch(() => {});
    }
    return toWorkloadExit(record, stopRequested);
  })();
  ended.catch(() => {});

  const jobPids = async () => {
    const pids = new Set([
      ...(wrapperGone ? [] : descendantPids(pid)),
      ...(cgroup ? await cgroupPids(cgroup.dirs) : []),
    ]);
    pids.delete(pid);
    return pids;
  };

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
        signalPids(targets, "SIGTERM");
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
