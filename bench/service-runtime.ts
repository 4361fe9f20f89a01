// The provider's service runtime on this machine: how long a service lease takes from start to a
// healthy service (network namespace, port bridge, cgroup, sandbox, first health check), what the
// Unix-socket port bridge adds to a small HTTP request (against the same request on the host's
// loopback, measured in the same run), the bridge's memory, and how long a stop takes. Needs root
// and bubblewrap. Run: npm run bench:service-runtime. Prints the figures and writes
// bench/results/service-runtime.json.
import { readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@ocx/node-kit";
import { createServiceRuntime } from "@ocx/provider";

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] as number;
const round = (x: number) => Math.round(x * 100) / 100;

const timeGet = (options: http.RequestOptions) =>
  new Promise<number>((resolve, reject) => {
    const started = performance.now();
    const req = http.request({ ...options, path: "/" }, (res) => {
      res.resume();
      res.on("end", () => resolve(performance.now() - started));
    });
    req.on("error", reject);
    req.end();
  });

const dir = await mkdtemp(path.join(tmpdir(), "ocx-bench-service-runtime-"));
await chmod(dir, 0o711);
const stateDir = path.join(dir, "state");
const jobDir = path.join(dir, "jobs", "1");
await mkdir(jobDir, { recursive: true, mode: 0o711 });
const runtime = createServiceRuntime({
  stateDir,
  workloadTag: `bench${process.pid}`,
  log: createLogger({ level: "error" }),
});
let stopped = false;
try {
  const t0 = performance.now();
  await runtime.start({
    id: 1n,
    root: path.join(stateDir, "leases", "1"),
    jobDir,
    limits: { memoryMiB: 512, cpuMillicores: 1000, pids: 256, diskMiB: 256 },
    volumes: [],
    services: [
      {
        name: "web",
        command: ["node", "-e", `require("http").createServer((q,r)=>r.end("ok")).listen(8080,"127.0.0.1")`],
        env: {},
        ports: [{ port: 8080, protocol: "http", expose: "public", hosts: [] }],
        health: {
          http: { port: 8080, path: "/" },
          intervalSeconds: 1,
          timeoutSeconds: 2,
          failures: 3,
          startSeconds: 10,
        },
        restart: "always",
        mounts: [],
        shmMiB: 64,
        dependsOn: [],
      },
    ],
  });
  const prepared = performance.now() - t0;
  while (runtime.status(1n)?.[0]?.state !== "healthy") await new Promise((r) => setTimeout(r, 10));
  const healthy = performance.now() - t0;
  const socketPath = runtime.endpoints(1n)[0]?.socketPath as string;
  const bridged: number[] = [];
  for (let i = 0; i < RUNS + 20; i++) {
    const ms = await timeGet({ socketPath });
    if (i >= 20) bridged.push(ms);
  }
  const host = http.createServer((_q, r) => r.end("ok"));
  await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", () => resolve()));
  const port = (host.address() as { port: number }).port;
  const direct: number[] = [];
  for (let i = 0; i < RUNS + 20; i++) {
    const ms = await timeGet({ host: "127.0.0.1", port });
    if (i >= 20) direct.push(ms);
  }
  host.close();
  const bridgePid = Number(readFileSync(path.join(stateDir, "leases", "1", "bridge.sock.pid"), "utf8"));
  const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${bridgePid}/status`, "utf8"))?.[1] ?? 0);
  const s0 = performance.now();
  await runtime.stop(1n, "bench over", 5000);
  stopped = true;
  const results = {
    at: new Date().toISOString(),
    runs: RUNS,
    readyMs: Math.round(prepared),
    healthyMs: Math.round(healthy),
    bridgedGetMs: { median: round(median(bridged)), p95: round(p95(bridged)) },
    hostLoopbackGetMs: { median: round(median(direct)), p95: round(p95(direct)) },
    bridgeRssMiB: Math.round(rssKiB / 1024),
    stopMs: Math.round(performance.now() - s0),
  };
  console.log(
    `network + bridge + cgroup ready in ${results.readyMs} ms; start → healthy ${results.healthyMs} ms\n` +
      `GET through the bridge: median ${results.bridgedGetMs.median} ms, p95 ${results.bridgedGetMs.p95} ms ` +
      `(host loopback, same run: median ${results.hostLoopbackGetMs.median} ms)\n` +
      `bridge process: ${results.bridgeRssMiB} MiB resident; stop: ${results.stopMs} ms`,
  );
  await mkdir("bench/results", { recursive: true });
  await writeFile("bench/results/service-runtime.json", `${JSON.stringify(results, null, 2)}\n`);
} finally {
  if (!stopped) await runtime.stop(1n, "bench failed", 1000).catch(() => {});
  runtime.close();
  await rm(dir, { recursive: true, force: true });
}
