// Disk and log limits, the end time and the end reason, and reaping what a killed node left:
// through the real bwrap executor (and the process executor where the sandbox does not matter).
import { spawn } from "node:child_process";
import { existsSync, linkSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBwrapExecutor } from "./bwrap.js";
import { detectCgroupHost } from "./cgroup.js";
import { createProcessExecutor } from "./process.js";
import { markedProcesses } from "./reap.js";
import { temporarySpec } from "./testSpec.js";
import type { WorkloadSpec } from "./types.js";
import { descendantPids, diskUsage, launchWrapped, nextDiskPollMs, toWorkloadExit } from "./wrapper.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
const job = (overrides: Partial<WorkloadSpec>) => {
  const made = temporarySpec(overrides);
  cleanups.push(made.cleanup);
  return made;
};
const sh = (script: string) => ["/bin/sh", "-c", script];
const MiB = 1024 * 1024;
const bwrap = createBwrapExecutor();
const cgroupHost = await detectCgroupHost();
const cgroupsWritable = process.getuid?.() === 0 && cgroupHost.version !== null;

describe("disk limit", () => {
  it("a job that writes past its disk limit is killed, with the reason and how much it used", async () => {
    // Many files, so the per-file limit alone cannot stop it: the watcher must.
    const { spec } = job({
      command: sh("i=0; while :; do dd if=/dev/zero of=/job/f$i bs=1M count=16 2>/dev/null; i=$((i+1)); done"),
      limits: { diskMiB: 64 },
    });
    const running = await bwrap.start(spec);
    const exit = await running.wait();
    const used = await diskUsage(spec.jobDir);
    expect(exit.reason).toBe("disk-limit");
    expect(exit.exitCode).not.toBe(0);
    expect(exit.message).toMatch(/^used \d+ MiB of its 64 MiB disk limit$/);
    const reported = Number(/used (\d+) MiB/.exec(exit.message ?? "")?.[1]);
    expect(reported).toBeGreaterThan(64);
    // How far past the limit a fast writer got before it was stopped (the folder as left).
    console.log(`disk limit 64 MiB: writer stopped at ${(used / MiB).toFixed(1)} MiB (reported ${reported} MiB)`);
    expect(used).toBeLessThan(192 * MiB);
  });

  it("no single file grows past the disk limit (RLIMIT_FSIZE)", async () => {
    const { spec, stderr } = job({
      command: sh("dd if=/dev/zero of=/job/big bs=1M count=100 2>/dev/null; echo dd=$? >&2; exit 0"),
      limits: { diskMiB: 32 },
    });
    const exit = await (await bwrap.start(spec)).wait();
    expect(statSync(`${spec.jobDir}/big`).size).toBe(32 * MiB);
    // dd was ended by SIGXFSZ (128 + 25) at the limit; the folder holds exactly the limit, not more.
    expect(stderr()).toBe("dd=153\n");
    expect(exit).toMatchObject({ exitCode: 0, reason: "exited" });
  });

  it("nor a sparse one, whose apparent size counts", async () => {
    const { spec, stderr } = job({
      command: sh("dd if=/dev/zero of=/job/sparse bs=1 count=1 seek=200M 2>/dev/null; echo sparse=$? >&2; exit 0"),
      limits: { diskMiB: 32 },
    });
    await (await bwrap.start(spec)).wait();
    expect(stderr()).toBe("sparse=153\n");
    expect(statSync(`${spec.jobDir}/sparse`).size).toBeLessThanOrEqual(32 * MiB);
  });

  it("a note of an earlier run's disk kill does not carry over to the next run with the same exit path", async () => {
    const { spec } = job({ command: sh("true"), limits: { diskMiB: 16 } });
    writeFileSync(
      `${spec.exitPath}.limit`,
      JSON.stringify({ reason: "disk-limit", message: "used 99 MiB of its 16 MiB disk limit" }),
    );
    const exit = await (await bwrap.start(spec)).wait();
    expect(exit).toMatchObject({ exitCode: 0, reason: "exited" });
  });

  it("a job within its limit is not touched, and the sandbox's /tmp is a tmpfs of the disk limit", async () => {
    const { spec, stdout } = job({
      command: sh("dd if=/dev/zero of=/job/f bs=1M count=8 2>/dev/null; df -k /tmp | tail -1 | awk '{print $2}'"),
      limits: { diskMiB: 48 },
    });
    const exit = await (await bwrap.start(spec)).wait();
    expect(exit).toMatchObject({ exitCode: 0, reason: "exited" });
    expect(Number(stdout().trim())).toBe(48 * 1024);
  });

  it("counts allocated blocks, each hard-linked file once, and at least 4 KiB per file", async () => {
    const { spec } = job({});
    writeFileSync(`${spec.jobDir}/data`, Buffer.alloc(1024 * 1024, 1));
    linkSync(`${spec.jobDir}/data`, `${spec.jobDir}/same-data`);
    for (let i = 0; i < 100; i++) writeFileSync(`${spec.jobDir}/empty-${i}`, "");
    const sparse = `${spec.jobDir}/sparse`;
    writeFileSync(sparse, "");
    truncateSync(sparse, 1024 ** 3);
    const used = await diskUsage(spec.jobDir);
    // 1 MiB of data once, 100 empty files and the sparse one at 4 KiB each.
    expect(used).toBeGreaterThanOrEqual(MiB + 101 * 4096);
    expect(used).toBeLessThan(MiB + 101 * 4096 + 64 * 1024);
  });

  it("polls sooner near the limit and never spends more than a fifth of a core on a big folder", () => {
    expect(nextDiskPollMs(0, 100 * 1024 * MiB, 1)).toBe(250);
    expect(nextDiskPollMs(60 * MiB, 64 * MiB, 1)).toBe(20);
    expect(nextDiskPollMs(0, 64 * MiB, 1)).toBeCloseTo(31.25, 1);
    expect(nextDiskPollMs(0, 64 * MiB, 100)).toBe(400);
  });
});

describe("log limit", () => {
  it("keeps the first and the last part of a stream far above its cap, with a notice of what was dropped", async () => {
    const limit = 64 * 1024;
    // 4 MiB of numbered lines on stdout, a little on stderr.
    const { spec, stdout, stderr } = job({
      command: sh("seq 1 600000; echo small >&2"),
      logLimitBytes: limit,
    });
    const exit = await (await bwrap.start(spec)).wait();
    expect(exit.exitCode).toBe(0);
    const total = Array.from({ length: 600000 }, (_, i) => `${i + 1}\n`).join("");
    const out = stdout();
    const notice = `\n[ocx] log truncated: ${total.length - limit} bytes dropped (kept the first ${limit / 2} and the last ${limit / 2} bytes)\n`;
    expect(out).toBe(total.slice(0, limit / 2) + notice + total.slice(total.length - limit / 2));
    expect(stderr()).toBe("small\n");
    // Nothing of the capture is left next to the exit record.
    expect(readdirSync(path.dirname(spec.exitPath)).sort()).toEqual([
      "exit.json",
      "exit.json.ended",
      "job",
      "stderr.log",
      "stdout.log",
    ]);
  });

  it("without perl, the coreutils capture keeps the same first and last parts and the same notice", async () => {
    const limit = 4096;
    const { spec, stdout } = job({ logLimitBytes: limit });
    const running = await launchWrapped({
      spec,
      argv: sh("seq 1 20000"),
      env: { PATH: "/usr/bin:/bin" },
      cwd: spec.jobDir,
      warnings: [],
      logCapture: "sh",
    });
    expect((await running.wait()).exitCode).toBe(0);
    const total = Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join("");
    const notice = `\n[ocx] log truncated: ${total.length - limit} bytes dropped (kept the first ${limit / 2} and the last ${limit / 2} bytes)\n`;
    expect(stdout()).toBe(total.slice(0, limit / 2) + notice + total.slice(total.length - limit / 2));
    expect(existsSync(`${spec.exitPath}.stdout.tail`)).toBe(false);
  });

  it("a 200 MB stream leaves a log file of its cap", async () => {
    const limit = 1 * MiB;
    const { spec } = job({
      command: sh("head -c 200000000 /dev/zero | tr '\\0' x"),
      logLimitBytes: limit,
    });
    await (await bwrap.start(spec)).wait();
    const size = statSync(spec.stdoutPath).size;
    expect(size).toBeGreaterThan(limit);
    expect(size).toBeLessThan(limit + 200);
    expect(readFileSync(spec.stdoutPath, "utf8")).toContain(`[ocx] log truncated: ${200000000 - limit} bytes dropped`);
  });
});

describe("the end of a workload", () => {
  it("reports when it exited, from the wrapper's record, also to a node that re-attaches later", async () => {
    const { spec } = job({ command: sh("sleep 1; exit 4") });
    const before = Math.floor(Date.now() / 1000);
    const running = await bwrap.start(spec);
    const exit = await running.wait();
    const after = Math.floor(Date.now() / 1000);
    expect(exit.reason).toBe("exited");
    expect(exit.endedAt).toBeGreaterThanOrEqual(before + 1);
    expect(exit.endedAt).toBeLessThanOrEqual(after);
    expect(Math.floor(statSync(`${spec.exitPath}.ended`).mtimeMs / 1000)).toBe(exit.endedAt);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const attached = await createBwrapExecutor().attach({ pid: running.pid, spec });
    expect((await attached?.wait())?.endedAt).toBe(exit.endedAt);
  });

  it("a memory kill inside a job that then exits 0 is reported as 137, memory-limit", async () => {
    if (!cgroupsWritable) return;
    const { spec } = job({
      command: sh("node -e 'const keep = []; for (;;) keep.push(Buffer.alloc(1 << 20, 1));'; exit 0"),
      limits: { memoryMiB: 96 },
    });
    const exit = await (await bwrap.start(spec)).wait();
    expect(exit).toMatchObject({ exitCode: 137, oomKilled: true, reason: "memory-limit" });
  });

  it("names the reason: signal, stopped, memory-limit, disk-limit (and never exit code 0 for a limit)", () => {
    const base = { exitCode: 0, signal: "", oomKill: 0, failcnt: null, endedAt: 1_700_000_000 };
    expect(toWorkloadExit(base)).toEqual({ exitCode: 0, oomKilled: false, reason: "exited", endedAt: 1_700_000_000 });
    expect(toWorkloadExit({ ...base, exitCode: 143, signal: "TERM" }).reason).toBe("signal");
    expect(toWorkloadExit({ ...base, exitCode: 143, signal: "TERM" }, { stopRequested: true }).reason).toBe("stopped");
    expect(toWorkloadExit({ ...base, oomKill: 1 }, { stopRequested: false, memoryMiB: 96 })).toEqual({
      exitCode: 137,
      oomKilled: true,
      reason: "memory-limit",
      message: "killed by the kernel for exceeding its 96 MiB memory limit",
      endedAt: 1_700_000_000,
    });
    expect(toWorkloadExit({ ...base, exitCode: 3, oomKill: 2 }).exitCode).toBe(3);
    const disk = { reason: "disk-limit" as const, message: "used 70 MiB of its 64 MiB disk limit" };
    expect(
      toWorkloadExit({ ...base, exitCode: 137, signal: "KILL" }, { stopRequested: false, limitKill: disk }),
    ).toEqual({
      exitCode: 137,
      signal: "SIGKILL",
      oomKilled: false,
      reason: "disk-limit",
      message: disk.message,
      endedAt: 1_700_000_000,
    });
    // Records of older nodes carry an ISO time.
    expect(toWorkloadExit({ ...base, endedAt: "2023-11-14T22:13:20Z" }).endedAt).toBe(1_700_000_000);
  });
});

describe("reap", () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z");
    } catch {
      return false;
    }
  };

  it("after the wrapper is killed, ends every process of the workload and removes its cgroup; keeps what the node runs", async () => {
    const prefix = `reap${process.pid}x${Math.random().toString(36).slice(2, 8)}-`;
    const orphan = job({ leaseId: `${prefix}1`, command: sh("sleep 300"), limits: { memoryMiB: 128, pids: 32 } });
    const kept = job({ leaseId: `${prefix}2`, command: sh("sleep 300"), limits: { pids: 32 } });
    const other = job({ leaseId: `other${process.pid}-3`, command: sh("sleep 300") });
    // "The node" that started the orphan is a process of its own, killed with -9 below.
    const node = spawn(
      path.resolve("node_modules/.bin/tsx"),
      [path.join(import.meta.dirname, "testNode.ts"), "bwrap", JSON.stringify(orphan.spec)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const started = await new Promise<{ pid: number }>((resolve, reject) => {
      node.stdout?.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
      node.once("exit", (code) => reject(new Error(`the test node exited with ${code}`)));
    });
    const keptRun = await bwrap.start(kept.spec);
    const otherRun = await bwrap.start(other.spec);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sandbox = descendantPids(started.pid);
      expect(sandbox.length).toBeGreaterThan(2);
      // tsx runs the script in a child node: the wrapper's parent is the real "node".
      const stat = readFileSync(`/proc/${started.pid}/stat`, "utf8");
      const nodePid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      process.kill(nodePid, "SIGKILL");
      node.kill("SIGKILL");
      process.kill(started.pid, "SIGKILL"); // The outer wrapper dies too; the sandbox runs on as nobody.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sandbox.filter(alive).length).toBeGreaterThan(0);
      expect(markedProcesses().get(orphan.spec.leaseId)?.length).toBeGreaterThan(0);

      const report = await bwrap.reap((name) => name === kept.spec.leaseId, { prefix });
      expect(report.warnings).toEqual([]);
      expect(report.reaped.map((entry) => entry.workloadName)).toEqual([orphan.spec.leaseId]);
      expect(sandbox.filter(alive)).toEqual([]);
      expect(markedProcesses().get(orphan.spec.leaseId)).toBeUndefined();
      if (cgroupsWritable && cgroupHost.version === 1) {
        for (const controller of ["memory", "pids", "cpu"])
          expect(existsSync(`/sys/fs/cgroup/${controller}/ocx/${orphan.spec.leaseId}`)).toBe(false);
        expect(existsSync(`/sys/fs/cgroup/pids/ocx/${kept.spec.leaseId}`)).toBe(true);
      }
      // The kept one and another node's are untouched.
      expect(alive(keptRun.pid)).toBe(true);
      expect(alive(otherRun.pid)).toBe(true);
    } finally {
      await keptRun.stop(100);
      await otherRun.stop(100);
    }
  });

  it("without cgroups, finds the sandbox by the marker on bwrap's processes and ends it", async () => {
    const prefix = `reapnocg${process.pid}x${Math.random().toString(36).slice(2, 8)}-`;
    const orphan = job({ leaseId: `${prefix}1`, command: sh("sleep 300 & sleep 300; wait") });
    const node = spawn(
      path.resolve("node_modules/.bin/tsx"),
      [path.join(import.meta.dirname, "testNode.ts"), "bwrap-without-cgroups", JSON.stringify(orphan.spec)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const started = await new Promise<{ pid: number; cgroup: string | null }>((resolve, reject) => {
      node.stdout?.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
      node.once("exit", (code) => reject(new Error(`the test node exited with ${code}`)));
    });
    expect(started.cgroup).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sandbox = descendantPids(started.pid);
    const stat = readFileSync(`/proc/${started.pid}/stat`, "utf8");
    process.kill(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]), "SIGKILL");
    node.kill("SIGKILL");
    process.kill(started.pid, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sandbox.filter(alive).length).toBeGreaterThan(1);
    const report = await createBwrapExecutor({ cgroupBase: "/nonexistent-cgroup-root" }).reap(() => false, { prefix });
    expect(report.reaped.map((entry) => entry.workloadName)).toEqual([orphan.spec.leaseId]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sandbox.filter(alive)).toEqual([]);
  });

  it("refuses an empty prefix, which would end other nodes' workloads", async () => {
    await expect(createProcessExecutor().reap(() => false, { prefix: "" })).rejects.toThrow(/prefix/);
  });
});
