// The ingress's cost on a streamed answer: time to the first byte and to the end of a response whose service
// writes one chunk at once and the next 50 ms later, asked directly on the service's Unix socket (what the
// runtime's port bridge exposes) and through the provider's ingress (TCP → route → socket), a new connection
// per request in both cases. Run: npm run bench:services. Prints the figures and writes bench/results/services.json.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, openStore } from "@ocx/node-kit";
import { startIngress } from "@ocx/provider";

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const GAP_MS = 50;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] as number;
const round = (x: number) => Math.round(x * 100) / 100;

const dir = await mkdtemp(path.join(tmpdir(), "ocx-bench-services-"));
const socketPath = path.join(dir, "web-8080.sock");
const service = http.createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.write("first chunk\n");
  setTimeout(() => res.end("last chunk\n"), GAP_MS);
});
await new Promise<void>((resolve) => service.listen(socketPath, () => resolve()));
const db = openStore(path.join(dir, "provider.db"), []);
const ingress = await startIngress({
  listen: "127.0.0.1:0",
  tcpPorts: "39900-39909",
  maxConnectionsPerLease: 256,
  backend: {
    leases: () => [1n],
    endpoints: (id) =>
      id === 1n
        ? [{ service: "web", port: 8080, protocol: "http" as const, expose: "public" as const, socketPath }]
        : [],
  },
  db,
  log: createLogger({ level: "warn" }),
});

/** One request: ms to the first body byte and to the end. */
const timed = (options: http.RequestOptions) =>
  new Promise<{ firstByteMs: number; endMs: number }>((resolve, reject) => {
    const started = performance.now();
    let firstByteMs = 0;
    http
      .get({ ...options, agent: false }, (res) => {
        res.on("data", () => {
          if (!firstByteMs) firstByteMs = performance.now() - started;
        });
        res.on("end", () => resolve({ firstByteMs, endMs: performance.now() - started }));
      })
      .on("error", reject);
  });

const target = new URL(ingress.url);
const direct = { socketPath, path: "/stream" };
const through = { host: target.hostname, port: Number(target.port), path: "/l/1/8080/stream" };
// Warm up both paths, then alternate so that machine noise falls on both alike.
for (let i = 0; i < 10; i++) {
  await timed(direct);
  await timed(through);
}
const a: { firstByteMs: number; endMs: number }[] = [];
const b: { firstByteMs: number; endMs: number }[] = [];
for (let i = 0; i < RUNS; i++) {
  a.push(await timed(direct));
  b.push(await timed(through));
}
await ingress.close();
service.close();
db.close();
await rm(dir, { recursive: true, force: true });

const summary = (xs: { firstByteMs: number; endMs: number }[]) => ({
  firstByteMedianMs: round(median(xs.map((x) => x.firstByteMs))),
  firstByteP90Ms: round(p90(xs.map((x) => x.firstByteMs))),
  endMedianMs: round(median(xs.map((x) => x.endMs))),
});
const results = {
  date: new Date().toISOString(),
  node: process.version,
  runs: RUNS,
  chunkGapMs: GAP_MS,
  direct: summary(a),
  throughIngress: summary(b),
  addedFirstByteMedianMs: round(median(b.map((x) => x.firstByteMs)) - median(a.map((x) => x.firstByteMs))),
  // Unbuffered: the first chunk arrived before the service wrote the last one (GAP_MS after the request).
  unbufferedRuns: b.filter((x) => x.firstByteMs < GAP_MS).length,
};
console.log(`streamed answer (first chunk at once, the last ${GAP_MS} ms later), ${RUNS} runs, new connection each:
  direct on the Unix socket   first byte ${results.direct.firstByteMedianMs} ms median (p90 ${results.direct.firstByteP90Ms}), end ${results.direct.endMedianMs} ms
  through the ingress         first byte ${results.throughIngress.firstByteMedianMs} ms median (p90 ${results.throughIngress.firstByteP90Ms}), end ${results.throughIngress.endMedianMs} ms
  added by the ingress        ${results.addedFirstByteMedianMs} ms to the first byte; first chunk before the last was written in ${results.unbufferedRuns}/${RUNS} runs`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(new URL("./results/services.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
