import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildBwrapArgs, createBwrapExecutor, sandboxEtcPaths, sandboxRootEntries } from "./bwrap.js";
import { detectCgroupHost } from "./cgroup.js";
import { temporarySpec } from "./testSpec.js";
import type { WorkloadSpec } from "./types.js";
import { descendantPids } from "./wrapper.js";

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

const bwrap = createBwrapExecutor();
const cgroupHost = await detectCgroupHost();
const isRoot = process.getuid?.() === 0;
/** Whether this host lets the node make cgroups (root with a mounted hierarchy); otherwise the warnings are asserted. */
const cgroupsWritable = isRoot && cgroupHost.version !== null;

describe("buildBwrapArgs", () => {
  const spec: WorkloadSpec = {
    leaseId: "7",
    jobDir: "/var/lib/ocx/jobs/7",
    command: ["true"],
    env: {},
    network: false,
    limits: {},
    gpus: [],
    stdoutPath: "/var/lib/ocx/leases/7/stdout",
    stderrPath: "/var/lib/ocx/leases/7/stderr",
    exitPath: "/var/lib/ocx/leases/7/exit.json",
  };
  const input = {
    rootEntries: sandboxRootEntries(),
    etcPaths: sandboxEtcPaths(false),
    devices: [],
    hidePaths: [],
    env: { A: "1" },
    seccomp: true,
  };

  it("isolates everything, keeps no parent tie, and shares the network only when asked", () => {
    const args = buildBwrapArgs(spec, input);
    expect(args).toContain("--unshare-all");
    expect(args).toContain("--new-session");
    expect(args).not.toContain("--die-with-parent");
    expect(args).not.toContain("--share-net");
    expect(buildBwrapArgs({ ...spec, network: true }, input)).toContain("--share-net");
    expect(args.join(" ")).toContain(`--bind ${spec.jobDir} /job`);
    expect(args.join(" ")).toContain("--proc /proc --dev /dev --tmpfs /tmp");
    expect(args.slice(-6)).toEqual(["--chdir", "/job", "--clearenv", "--setenv", "A", "1"]);
  });

  it("recreates only programs and libraries from the host's root, and /sys for GPU jobs", () => {
    const names = sandboxRootEntries().map((entry) => entry.name);
    expect(names).toContain("usr");
    for (const hidden of ["home", "root", "var", "opt", "srv", "etc", "sys", "work", "mnt"])
      expect(names).not.toContain(hidden);
    expect(sandboxRootEntries("/", { gpus: true }).map((entry) => entry.name)).toContain("sys");
    expect(sandboxEtcPaths(false)).not.toContain("/etc/resolv.conf");
    expect(sandboxEtcPaths(false)).not.toContain("/etc/passwd");
    expect(sandboxEtcPaths(false)).not.toContain("/etc/shadow");
  });

  it("binds GPU device nodes only when given", () => {
    const args = buildBwrapArgs(spec, { ...input, devices: ["/dev/nvidia0", "/dev/nvidiactl"] });
    expect(args.join(" ")).toContain("--dev-bind /dev/nvidia0 /dev/nvidia0 --dev-bind /dev/nvidiactl /dev/nvidiactl");
    expect(buildBwrapArgs(spec, input).join(" ")).not.toContain("nvidia");
  });
});

describe("bwrap executor (real bubblewrap)", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_request, response) => response.end("hello from the host"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  it("check() passes on this host", async () => {
    expect(await bwrap.check()).toEqual({ ok: true });
  });

  it("writes in /job land in the job folder; the rest of the file system is read-only", async () => {
    const { spec, stdout, stderr } = job({
      command: sh(
        "echo result > /job/out.txt; for f in /etc/ocx-x /root/ocx-x /usr/ocx-x /ocx-x; do touch $f 2>/dev/null && echo wrote $f; done; pwd; echo $HOME",
      ),
    });
    const running = await bwrap.start(spec);
    const exit = await running.wait();
    expect(stderr()).toBe("");
    expect(exit).toEqual({ exitCode: 0, oomKilled: false, reason: "exited", endedAt: expect.any(Number) });
    expect(stdout()).toBe("/job\n/job\n");
    expect(readFileSync(path.join(spec.jobDir, "out.txt"), "utf8")).toBe("result\n");
    for (const file of ["/etc/ocx-x", "/root/ocx-x", "/usr/ocx-x", "/ocx-x"]) expect(existsSync(file)).toBe(false);
  });

  it("the job cannot read other jobs' folders or the node's home", async () => {
    const jobsRoot = mkdtempSync(path.join(os.tmpdir(), "ocx-jobs-test-"));
    chmodSync(jobsRoot, 0o711);
    cleanups.push(() => rmSync(jobsRoot, { recursive: true, force: true }));
    mkdirSync(path.join(jobsRoot, "other"));
    writeFileSync(path.join(jobsRoot, "other", "secret.txt"), "buyer B's data");
    mkdirSync(path.join(jobsRoot, "mine"));
    const { spec, stdout } = job({
      jobDir: path.join(jobsRoot, "mine"),
      command: sh(`cat ${jobsRoot}/other/secret.txt 2>&1; ls ${os.homedir()} | wc -l`),
    });
    await (await bwrap.start(spec)).wait();
    expect(stdout()).not.toContain("buyer B's data");
    expect(stdout()).toMatch(/No such file or directory\n0\n$/);
  });

  it("has no network unless the lease asks for it", async () => {
    const fetchScript = `fetch("http://127.0.0.1:${port}/").then(r => r.text()).then(t => console.log(t), e => { console.log("no network: " + e.cause?.code); process.exit(7); })`;
    const offline = job({ command: ["node", "-e", fetchScript] });
    const offlineExit = await (await bwrap.start(offline.spec)).wait();
    expect(offlineExit.exitCode).toBe(7);
    expect(offline.stdout()).toBe("no network: ECONNREFUSED\n");

    const online = job({ command: ["node", "-e", fetchScript], network: true });
    const onlineExit = await (await bwrap.start(online.spec)).wait();
    expect(online.stdout()).toBe("hello from the host\n");
    expect(onlineExit.exitCode).toBe(0);
  });

  it("sees only its own environment, with no GPUs", async () => {
    process.env.OCX_NODE_SECRET = "node-private-key";
    const { spec, stdout } = job({ command: ["env"], env: { MODEL: "llama", TOKEN: "buyer-secret" } });
    const running = await bwrap.start(spec);
    // The environment is not on any command line of the host.
    const cmdlines = [running.pid, ...descendantPids(running.pid)].map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        return "";
      }
    });
    expect(cmdlines.join("\n")).not.toContain("buyer-secret");
    await running.wait();
    delete process.env.OCX_NODE_SECRET;
    const env = Object.fromEntries(
      stdout()
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    expect(env).toMatchObject({
      MODEL: "llama",
      TOKEN: "buyer-secret",
      HOME: "/job",
      CUDA_VISIBLE_DEVICES: "",
      NVIDIA_VISIBLE_DEVICES: "void",
      OCX_LEASE_ID: spec.leaseId,
    });
    expect(env.OCX_NODE_SECRET).toBeUndefined();
  });

  it("binds the selected GPU's device node and names it by UUID", async () => {
    const fake = mkdtempSync(path.join(os.tmpdir(), "ocx-fake-nvidia-"));
    chmodSync(fake, 0o755);
    cleanups.push(() => rmSync(fake, { recursive: true, force: true }));
    const procDir = path.join(fake, "gpus");
    const devDir = path.join(fake, "dev");
    mkdirSync(devDir);
    for (const [bus, uuid, minor] of [
      ["0000:18:00.0", "GPU-aaaa", 0],
      ["0000:3b:00.0", "GPU-bbbb", 2],
    ] as const) {
      mkdirSync(path.join(procDir, bus), { recursive: true });
      writeFileSync(
        path.join(procDir, bus, "information"),
        `Model: NVIDIA H100\nGPU UUID: ${uuid}\nDevice Minor: ${minor}\n`,
      );
      writeFileSync(path.join(devDir, `nvidia${minor}`), `card ${minor}`);
    }
    writeFileSync(path.join(devDir, "nvidiactl"), "ctl");
    const executor = createBwrapExecutor({ gpu: { procDir, devDir } });
    const { spec, stdout } = job({
      gpus: ["1"],
      command: sh(
        `echo $CUDA_VISIBLE_DEVICES $NVIDIA_VISIBLE_DEVICES; cat ${devDir}/nvidia2 ${devDir}/nvidiactl; echo; ls ${devDir}`,
      ),
    });
    const running = await executor.start(spec);
    await running.wait();
    expect(stdout()).toBe(`GPU-bbbb 1\ncard 2ctl\nnvidia2\nnvidiactl\n`);
    expect(running.warnings).toEqual([]);
  });

  it("stdout and stderr land in their files and the exit code comes back", async () => {
    const { spec, stdout, stderr } = job({ command: sh("echo to-out; echo to-err >&2; exit 42") });
    const exit = await (await bwrap.start(spec)).wait();
    expect(exit).toEqual({ exitCode: 42, oomKilled: false, reason: "exited", endedAt: expect.any(Number) });
    expect(stdout()).toBe("to-out\n");
    expect(stderr()).toBe("to-err\n");
    expect(JSON.parse(readFileSync(spec.exitPath, "utf8"))).toMatchObject({ exitCode: 42, signal: "" });
  });

  it("stop() ends the job, even one that ignores SIGTERM, and removes its cgroup", async () => {
    const { spec } = job({ command: sh('trap "" TERM; echo ready; sleep 60; echo never'), limits: { pids: 64 } });
    const running = await bwrap.start(spec);
    const started = Date.now();
    const exit = await running.stop(300);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(exit.reason).toBe("stopped");
    expect(exit.signal).toMatch(/^SIG(KILL|TERM)$/);
    expect(descendantPids(running.pid)).toEqual([]);
    if (cgroupsWritable && cgroupHost.version === 1) {
      expect(existsSync(`/sys/fs/cgroup/pids/ocx/${spec.leaseId}`)).toBe(false);
    }
  });

  it("stop() gives the job its grace: a SIGTERM handler that takes 300 ms finishes, and its exit code is kept", async () => {
    // Before: bwrap got the SIGTERM too, died at once, and the wrapper's cgroup sweep killed the job mid-handler.
    const handler = `process.on("SIGTERM",()=>setTimeout(()=>{require("fs").writeFileSync("/job/closed","cleanly");process.exit(3)},300));require("fs").writeFileSync("/job/ready","");setInterval(()=>{},1000)`;
    const { spec } = job({ command: ["node", "-e", handler], limits: { pids: 64 } });
    const running = await bwrap.start(spec);
    for (let tries = 0; !existsSync(path.join(spec.jobDir, "ready")); tries++) {
      expect(tries).toBeLessThan(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const exit = await running.stop(10_000);
    expect(readFileSync(path.join(spec.jobDir, "closed"), "utf8")).toBe("cleanly");
    expect(exit).toMatchObject({ exitCode: 3, reason: "stopped" });
    expect(descendantPids(running.pid)).toEqual([]);
  });

  it("a job above its memory limit is OOM-killed and reported as oom", async () => {
    const { spec } = job({
      command: ["node", "-e", "const keep = []; for (;;) keep.push(Buffer.alloc(1 << 20, 1));"],
      limits: { memoryMiB: 96 },
    });
    const running = await bwrap.start(spec);
    const exit = await running.wait();
    if (cgroupsWritable) {
      expect(running.warnings).toEqual([]);
      expect(exit).toMatchObject({ exitCode: 137, signal: "SIGKILL", oomKilled: true, reason: "memory-limit" });
      expect(exit.message).toBe("killed by the kernel for exceeding its 96 MiB memory limit");
      expect(running.cgroup).toBe(`ocx/${spec.leaseId}`);
    } else {
      expect(running.warnings.join("\n")).toMatch(/memory limit not applied/);
    }
  });

  it("a job cannot start more processes than its pids limit", async () => {
    const { spec, stdout, stderr } = job({
      command: sh("i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; echo started all"),
      limits: { pids: 12 },
    });
    const running = await bwrap.start(spec);
    const exit = await running.wait();
    if (cgroupsWritable) {
      expect(running.warnings).toEqual([]);
      expect(exit.exitCode).not.toBe(0);
      expect(stdout()).not.toContain("started all");
      expect(stderr()).toMatch(/fork/i);
    } else {
      expect(running.warnings.join("\n")).toMatch(/pids limit not applied/);
    }
  });

  it("applies the CPU quota to the lease cgroup", async () => {
    const { spec } = job({ command: sh("sleep 5"), limits: { cpuMillicores: 500 } });
    const running = await bwrap.start(spec);
    try {
      if (cgroupsWritable && cgroupHost.version === 1) {
        expect(readFileSync(`/sys/fs/cgroup/cpu/ocx/${spec.leaseId}/cpu.cfs_quota_us`, "utf8").trim()).toBe("50000");
      } else if (cgroupsWritable && cgroupHost.version === 2) {
        expect(readFileSync(`/sys/fs/cgroup/ocx/${spec.leaseId}/cpu.max`, "utf8").trim()).toBe("50000 100000");
      } else {
        expect(running.warnings.join("\n")).toMatch(/cpu limit not applied/);
      }
    } finally {
      await running.stop(100);
    }
  });

  it("where cgroups cannot be made, the job still runs and start() says which limits are missing", async () => {
    const executor = createBwrapExecutor({ cgroupBase: "/nonexistent-cgroup-root" });
    const { spec, stdout } = job({ command: sh("echo ran"), limits: { memoryMiB: 64, pids: 10 } });
    const running = await executor.start(spec);
    expect(await running.wait()).toMatchObject({ exitCode: 0 });
    expect(stdout()).toBe("ran\n");
    expect(running.warnings).toEqual([
      "memory, pids limits not applied: no cgroup hierarchy found under /nonexistent-cgroup-root",
    ]);
  });

  it("survives the node: a new node process re-attaches and gets the exit code and the output", async () => {
    const { spec, stdout } = job({ command: sh("sleep 1; echo done; exit 3"), limits: { memoryMiB: 256 } });
    let running: Awaited<ReturnType<typeof bwrap.start>> | undefined = await bwrap.start(spec);
    const record = { pid: running.pid, ...(running.cgroup ? { cgroup: running.cgroup } : {}), spec };
    running = undefined; // The node dies: nothing of the old object is used again.
    void running;

    const restarted = createBwrapExecutor();
    const attached = await restarted.attach(record);
    expect(attached).not.toBeNull();
    expect(await attached?.wait()).toEqual({
      exitCode: 3,
      oomKilled: false,
      reason: "exited",
      endedAt: expect.any(Number),
    });
    expect(stdout()).toBe("done\n");

    // After the end, attaching still answers from the exit record.
    const late = await restarted.attach(record);
    expect(await late?.wait()).toEqual({
      exitCode: 3,
      oomKilled: false,
      reason: "exited",
      endedAt: expect.any(Number),
    });
  });

  it("stop() works on a re-attached workload", async () => {
    const { spec } = job({ command: sh("sleep 60") });
    const running = await bwrap.start(spec);
    const attached = await createBwrapExecutor().attach({
      pid: running.pid,
      spec,
      ...(running.cgroup ? { cgroup: running.cgroup } : {}),
    });
    const exit = await attached?.stop(500);
    expect(exit?.reason).toBe("stopped");
  });

  it("attach() answers null for a workload that is gone and left no exit status", async () => {
    const { spec } = job({});
    expect(await bwrap.attach({ pid: 2 ** 22 + 1, spec })).toBeNull();
  });

  it("refuses a job folder the sandbox user cannot reach, saying which folder to open", async () => {
    if (!isRoot) return; // Only a root node drops to another user.
    const { spec, root } = job({});
    chmodSync(root, 0o700);
    await expect(bwrap.start(spec)).rejects.toThrow(
      `${root} has mode 700; allow passing through it (chmod o+x ${root})`,
    );
  });

  it("refuses a lease id that could leave the cgroup folder", async () => {
    const { spec } = job({ leaseId: "../escape" });
    await expect(bwrap.start(spec)).rejects.toThrow(/lease id/);
  });
});
