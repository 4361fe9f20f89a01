// The node as a real process that dies: SIGKILLed mid-job it comes back on the same state folder,
// finds its leases and their workloads, and ends each one honestly; SIGTERM stops it cleanly.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { CloseReason, LeaseState, readTar } from "@ocx/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markedProcesses } from "../src/workload/reap.js";
import { descendantPids } from "../src/workload/wrapper.js";
import {
  buyer,
  chainLease,
  firstOfferId,
  leaseEvents,
  type Market,
  PROVIDER,
  reapWorkloads,
  startChain,
  waitUntil,
} from "./harness.js";

const PRICE = 10n ** 15n;
const SCRIPT = path.join(import.meta.dirname, "nodeProcess.ts");

/** A job that runs until the test drops a `go` file into its folder, so a node restart always finds it running. */
const job = (restart: "never" | "on-node-restart") => `
version: 1
name: survivor
command: "mkdir -p out; echo run >> out/runs; echo started; while [ ! -f go ]; do sleep 0.05; done; echo done > out/x"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
outputs: [out]
maxDuration: 10m
restart: ${restart}
`;

interface NodeProcess {
  child: ChildProcess;
  /** The node's log, one JSON object per line. */
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The names and contents of the files in a .tar.gz. */
function untar(gz: Uint8Array): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readTar(gunzipSync(gz))) {
    if (entry.type === "file") files.set(entry.path, new TextDecoder().decode(entry.data));
  }
  return files;
}

describe("provider node restarts", () => {
  let chain: Awaited<ReturnType<typeof startChain>>;
  let market: Market;
  let offerId: bigint;
  const nodes: NodeProcess[] = [];

  /** Starts the node in a child process on the chain's config and state folder; resolves once /health answers. */
  async function startNode(): Promise<NodeProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
      env: { ...process.env, OCX_TEST_CONFIG: chain.configFile, OCX_PROVIDER_KEY: chain.net.key(PROVIDER) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const logs: Record<string, unknown>[] = [];
    let partial = "";
    child.stderr?.on("data", (data: Buffer) => {
      const lines = (partial + data.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          logs.push({ level: "raw", message: line });
        }
      }
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const node = { child, logs, exited };
    nodes.push(node);
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    await waitUntil(
      "the node process to answer /health",
      async () => {
        if (gone) throw new Error(`the node exited while starting: ${JSON.stringify(logs)}`);
        return (await fetch(`${chain.url}/health`).catch(() => undefined))?.ok;
      },
      30_000,
    );
    return node;
  }

  const jobDir = (leaseId: bigint) => path.join(chain.config.stateDir, "jobs", leaseId.toString());

  /** The pid of the lease's wrapper (the workload's parent), found by its exit-status path. */
  function wrapperPid(leaseId: bigint): number | undefined {
    const exitPath = path.join(chain.config.stateDir, "leases", leaseId.toString(), "exit.json");
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(exitPath)) return Number(entry);
      } catch {
        // Exited while we looked.
      }
    }
    return undefined;
  }

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z");
    } catch {
      return false;
    }
  };

  /** Kills a lease's workload the way a crash would: the wrapper's process group and everything under it. */
  async function killWorkload(leaseId: bigint) {
    const pid = wrapperPid(leaseId);
    if (!pid) throw new Error(`no workload runs for lease ${leaseId}`);
    const all = [pid, ...descendantPids(pid)];
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    for (const p of all) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await waitUntil("the workload to die", () => all.every((p) => !alive(p)), 10_000);
  }

  /** Takes the offer for `yaml` and starts the job; resolves when it runs. */
  async function startJob(yaml: string) {
    const b = buyer(market);
    const { json, hash } = await b.manifest(yaml);
    const deposit = PRICE * 600n;
    const leaseId = await b.take(offerId, hash, deposit);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    await b.waitFor(leaseId, ["running"]);
    await waitUntil("the job to start", () => existsSync(path.join(jobDir(leaseId), "out", "runs")));
    return { b, leaseId, deposit };
  }

  beforeAll(async () => {
    chain = await startChain(`offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 4, minDuration: 10 }`);
    await startNode();
    market = {
      net: chain.net,
      node: { url: chain.url, address: privateKeyToAccount(chain.net.key(PROVIDER)).address },
    } as unknown as Market;
    offerId = await firstOfferId(market);
    await buyer(market).approve();
  });
  afterAll(async () => {
    for (const node of nodes)
      if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill("SIGKILL");
    await Promise.all(nodes.map((n) => n.exited));
    // No workload of these tests outlives them.
    for (const entry of readdirSync(path.join(chain.config.stateDir, "jobs"))) {
      const pid = wrapperPid(BigInt(entry));
      if (pid) process.kill(-pid, "SIGKILL");
    }
    await chain?.net.stop();
    await reapWorkloads(chain.config.stateDir, privateKeyToAccount(chain.net.key(PROVIDER)).address);
  });

  const current = () => nodes[nodes.length - 1] as NodeProcess;

  it("re-attaches to a workload that kept running through a SIGKILL, and completes it with the right results", async () => {
    const { b, leaseId } = await startJob(job("never"));
    const pid = wrapperPid(leaseId) as number;

    current().child.kill("SIGKILL");
    expect((await current().exited).signal).toBe("SIGKILL");
    expect(alive(pid)).toBe(true); // the workload does not die with the node

    const second = await startNode();
    expect(second.logs.some((l) => l.message === "re-attached to the running workload")).toBe(true);
    const running = await b.client.status(leaseId);
    expect(running.phase).toBe("running");
    expect(wrapperPid(leaseId)).toBe(pid); // the same workload, not a new one

    writeFileSync(path.join(jobDir(leaseId), "go"), "");
    const done = await b.waitFor(leaseId, ["completed", "failed", "closed"]);
    expect(done.phase).toBe("completed");
    expect(done.exitCode).toBe(0);
    const results = await b.client.results(leaseId);
    expect(results.sha256).toBe(done.resultHash);
    const files = untar(results.bytes);
    expect(files.get("out/x")).toBe("done\n");
    expect(files.get("out/runs")).toBe("run\n"); // ran once
    const events = await leaseEvents(market, leaseId);
    expect(events.completed?.args.resultHash).toBe(results.sha256);
    expect(events.completed?.args.exitCode).toBe(0n);
  });

  it("closes a lease honestly when its workload died with the node and its manifest forbids a restart", async () => {
    const { b, leaseId, deposit } = await startJob(job("never"));
    const before = await b.balance();
    const killedAt = Math.floor(Date.now() / 1000);
    current().child.kill("SIGKILL");
    await current().exited;
    await killWorkload(leaseId);
    await new Promise((r) => setTimeout(r, 2000)); // the node stays down a while: not billed

    await startNode();
    const done = await b.waitFor(leaseId, ["completed", "failed", "closed"]);
    expect(done.phase).toBe("completed");
    expect(done.exitCode).toBe(-1);
    expect(wrapperPid(leaseId)).toBeUndefined(); // not restarted

    // Settled up to the last second the node saw the job alive (no later than the kill), not until
    // the node came back; the rest of the deposit back to the buyer; nothing left dangling.
    const events = await leaseEvents(market, leaseId);
    expect(events.completed?.args.exitCode).toBe(-1n);
    expect(events.closed?.args.reason).toBe(CloseReason.Completed);
    const startedAt = Number(events.acknowledged?.args.startedAt);
    expect(events.paid).toBeLessThanOrEqual(PRICE * BigInt(killedAt + 1 - startedAt));
    expect(events.paid).toBeLessThan(PRICE * BigInt((events.closedAt as number) - startedAt));
    expect(events.paid % PRICE).toBe(0n);
    expect(events.closed?.args.refund).toBe(deposit - events.paid);
    expect(await b.balance()).toBe(before + (deposit - events.paid));
    expect((await chainLease(market, leaseId)).state).toBe(LeaseState.Closed);
  });

  /** Cgroup folders of a workload under any controller (v1 or v2). */
  function leaseCgroups(name: string): string[] {
    const roots = [
      "/sys/fs/cgroup/ocx",
      ...["memory", "pids", "cpu", "cpu,cpuacct"].map((c) => `/sys/fs/cgroup/${c}/ocx`),
    ];
    return roots.flatMap((root) => {
      try {
        return readdirSync(root)
          .filter((entry) => entry === name)
          .map((entry) => path.join(root, entry));
      } catch {
        return [];
      }
    });
  }
  /** The processes marked with the workload's name (the one whose processes include `wrapper`). */
  const workloadName = (wrapper: number) => [...markedProcesses()].find(([, pids]) => pids.includes(wrapper))?.[0];
  const workloadPids = (name: string) => markedProcesses().get(name) ?? [];

  it("after kill -9 of the node and of the job's wrapper, ends the sandbox left running and its cgroup, and bills no later than the restart", async () => {
    const { b, leaseId, deposit } = await startJob(job("never"));
    const wrapper = wrapperPid(leaseId) as number;
    const name = workloadName(wrapper) as string;
    expect(name).toMatch(new RegExp(`-${leaseId}$`));
    const left = workloadPids(name).filter((p) => p !== wrapper);
    expect(left.length).toBeGreaterThan(0);
    const killedAt = Math.floor(Date.now() / 1000);
    current().child.kill("SIGKILL");
    await current().exited;
    process.kill(wrapper, "SIGKILL"); // the wrapper alone: what it started keeps running, as after a crash
    await waitUntil("the wrapper to die", () => !alive(wrapper));
    expect(left.some(alive)).toBe(true);
    await new Promise((r) => setTimeout(r, 3000)); // the node stays down a while

    const restarted = await startNode();
    await waitUntil("the orphaned sandbox to be ended", () => left.every((p) => !alive(p)), 20_000);
    expect(workloadPids(name)).toEqual([]);
    expect(leaseCgroups(name)).toEqual([]);
    expect(restarted.logs.some((l) => l.message === "ended what was left of a workload this node no longer runs")).toBe(
      true,
    );
    const done = await b.waitFor(leaseId, ["completed", "failed", "closed"]);
    expect(done.phase).toBe("completed");
    expect(done.exitCode).toBe(-1);
    // Billed up to the last second the node saw the job alive (before it was killed), not until it came back.
    const events = await leaseEvents(market, leaseId);
    const startedAt = Number(events.acknowledged?.args.startedAt);
    expect(events.paid).toBeLessThanOrEqual(PRICE * BigInt(killedAt - startedAt + 1));
    expect(events.paid).toBeGreaterThanOrEqual(PRICE * BigInt(killedAt - startedAt - 3));
    expect(events.closed?.args.refund).toBe(deposit - events.paid);
  });

  it('restarts the job when its workload died with the node and its manifest says restart: "on-node-restart"', async () => {
    const { b, leaseId } = await startJob(job("on-node-restart"));
    current().child.kill("SIGKILL");
    await current().exited;
    await killWorkload(leaseId);

    await startNode();
    // Started again from the top in the same job folder: a second "run" line.
    await waitUntil("the job to run again", () => {
      const runs = path.join(jobDir(leaseId), "out", "runs");
      return existsSync(runs) && readFileSync(runs, "utf8") === "run\nrun\n";
    });
    expect((await b.waitFor(leaseId, ["running"])).phase).toBe("running");
    writeFileSync(path.join(jobDir(leaseId), "go"), "");
    const done = await b.waitFor(leaseId, ["completed", "failed", "closed"]);
    expect(done.exitCode).toBe(0);
    const results = await b.client.results(leaseId);
    expect(results.sha256).toBe(done.resultHash);
    expect(untar(results.bytes).get("out/x")).toBe("done\n");
  });

  it("stops gracefully on SIGTERM: exit code 0, no error logged, the running workload left alone", async () => {
    const { b, leaseId } = await startJob(job("never"));
    const pid = wrapperPid(leaseId) as number;
    const node = current();
    node.child.kill("SIGTERM");
    const exit = await node.exited;
    expect(exit.code, JSON.stringify(node.logs)).toBe(0);
    expect(node.logs.filter((l) => l.level === "error" || l.level === "raw")).toEqual([]);
    expect(node.logs.some((l) => l.message === "provider node stopped")).toBe(true);
    expect(alive(pid)).toBe(true);

    // The next start picks the job up where it is.
    await startNode();
    writeFileSync(path.join(jobDir(leaseId), "go"), "");
    const done = await b.waitFor(leaseId, ["completed", "failed", "closed"]);
    expect(done.exitCode).toBe(0);
  });
});
