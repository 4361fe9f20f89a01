// The provider's sandbox overhead, and the time from a lease's creation to its workload starting.
// Run: npm run bench:provider. Prints the figures and writes bench/results/provider.json.
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createLogger, freePort, startLocalnet } from "@ocx/node-kit";
import { createBwrapExecutor, createProcessExecutor, type Executor, parseConfig, startProvider } from "@ocx/provider";
import { parseManifest, resolveInputs, runJob, writeDeployment } from "@ocx/sdk";
import { privateKeyToAccount } from "viem/accounts";

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const LEASES = Number(process.env.BENCH_LEASES ?? 10);
const run = promisify(execFile);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] as number;
const round = (x: number) => Math.round(x * 10) / 10;

// 1. The same short command, bare and through each executor.
const root = await mkdtemp(path.join(tmpdir(), "ocx-bench-provider-"));
await chmod(root, 0o711);
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  await run("/bin/true");
  bare.push(performance.now() - t);
}
const through = async (executor: Executor) => {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = path.join(root, `${executor.name}-${i}`);
    const jobDir = path.join(dir, "job");
    await mkdir(jobDir, { recursive: true });
    await chmod(dir, 0o711);
    const t = performance.now();
    const workload = await executor.start({
      leaseId: `bench-${executor.name}-${i}`,
      jobDir,
      command: ["/bin/true"],
      env: {},
      network: false,
      limits: { memoryMiB: 256, pids: 64, cpuMillicores: 1000 },
      gpus: [],
      stdoutPath: path.join(dir, "stdout.log"),
      stderrPath: path.join(dir, "stderr.log"),
      exitPath: path.join(dir, "exit.json"),
    });
    const exit = await workload.wait();
    times.push(performance.now() - t);
    if (exit.exitCode !== 0) throw new Error(`${executor.name}: /bin/true exited ${exit.exitCode}`);
  }
  return times;
};
const bwrap = await through(createBwrapExecutor());
const processExecutor = await through(createProcessExecutor());
await rm(root, { recursive: true, force: true });

// 2. Lease created → workload running, on the local chain with a real provider node.
const net = await startLocalnet({ deploy: { ackWindow: 60 } });
const dir = await mkdtemp(path.join(tmpdir(), "ocx-bench-lease-"));
await chmod(dir, 0o711);
const deploymentFile = await writeDeployment(net.deployment, dir);
const config = parseConfig(
  `chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}", pollIntervalMs: 50 }
api: { listen: "127.0.0.1:${await freePort()}" }
stateDir: state
offers: [{ gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 256, maxLeases: 4, minDuration: 10 }]
`,
  { baseDir: dir },
);
const node = await startProvider(config, {
  account: privateKeyToAccount(net.key(1)),
  log: createLogger({ level: "error" }),
});
await writeFile(path.join(dir, "job.sh"), "echo started\n");
const manifest = await resolveInputs(
  parseManifest(
    "version: 1\nname: bench\ncommand: [sh, job.sh]\nresources: { cpu: 1, memory: 128Mi, disk: 64Mi }\ninputs: [{ path: job.sh, source: job.sh }]\nmaxDuration: 1m\n",
  ),
  dir,
);
const leaseToStart: number[] = [];
for (let i = 0; i < LEASES; i++) {
  let created = 0;
  let started = 0;
  await runJob({
    publicClient: net.publicClient,
    walletClient: net.wallet(2),
    account: privateKeyToAccount(net.key(2)),
    deployment: net.deployment,
    manifest,
    baseDir: dir,
    pollMs: 20,
    onEvent: (e) => {
      if (e.type === "lease") created = performance.now();
      if (e.type === "started") started = performance.now();
    },
  });
  leaseToStart.push(started - created);
}
await node.close();
await net.stop();
await rm(dir, { recursive: true, force: true });

const results = {
  measuredAt: new Date().toISOString(),
  machine: `${(await import("node:os")).cpus().length} cores, Node ${process.version}`,
  runs: RUNS,
  bareMedianMs: round(median(bare)),
  bwrap: {
    medianMs: round(median(bwrap)),
    addedMedianMs: round(median(bwrap) - median(bare)),
    p90Ms: round(p90(bwrap)),
  },
  process: { medianMs: round(median(processExecutor)), addedMedianMs: round(median(processExecutor) - median(bare)) },
  goalAddedMs: 50,
  goalMet: median(bwrap) - median(bare) < 50,
  leaseCreatedToRunning: { leases: LEASES, medianMs: round(median(leaseToStart)), p90Ms: round(p90(leaseToStart)) },
};
console.log(`sandbox overhead over ${RUNS} runs of /bin/true (start to exit status recorded):
  bare                 ${results.bareMedianMs} ms median
  bwrap executor       ${results.bwrap.medianMs} ms median → +${results.bwrap.addedMedianMs} ms added (goal < 50 ms: ${results.goalMet ? "met" : "NOT met"})
  process executor     ${results.process.medianMs} ms median → +${results.process.addedMedianMs} ms added
lease created → workload running (local chain, ${LEASES} leases; includes ack, upload and start):
  median ${results.leaseCreatedToRunning.medianMs} ms, p90 ${results.leaseCreatedToRunning.p90Ms} ms`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(new URL("./results/provider.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log("wrote bench/results/provider.json");
