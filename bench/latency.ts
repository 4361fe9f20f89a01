// How fast a buyer gets going: 20 small jobs through `ocx run` on the local network, as separate
// processes (devnet with its provider node, then the CLI), as a user would run them.
// Run: npm run bench:latency. Prints the figures and writes bench/results/latency.json.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@ocx/node-kit";

const JOBS = Number(process.env.BENCH_JOBS ?? 20);
const cli = path.resolve("apps/cli/dist/bin.js");
const dir = await mkdtemp(path.join(tmpdir(), "ocx-bench-latency-"));
const port = await freePort();
const deployments = path.join(dir, "deployments");

// The network, as `npm run devnet` starts it (without the demo job).
const devnet = spawn(
  process.execPath,
  [
    cli,
    "devnet",
    "--port",
    String(port),
    "--deployments",
    deployments,
    "--state-dir",
    path.join(dir, "devnet"),
    "--no-demo",
    "--json",
  ],
  {
    stdio: ["ignore", "pipe", "pipe"],
  },
);
const ready = await new Promise<Record<string, string>>((resolve, reject) => {
  let out = "";
  devnet.stdout?.on("data", (d) => {
    out += d;
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (line) resolve(JSON.parse(line));
  });
  devnet.once("exit", (code) => reject(new Error(`devnet exited with ${code}`)));
  setTimeout(() => reject(new Error("devnet was not ready in 60 s")), 60_000);
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p90 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))] as number;
const firstLog: number[] = [];
const resultsOnDisk: number[] = [];
const phases: Record<string, number[]> = {};
await writeFile(path.join(dir, "job.sh"), "echo first line\nmkdir -p out\necho done > out/result.txt\n");
for (let i = 0; i < JOBS; i++) {
  const t0 = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      cli,
      "--rpc-url",
      ready.rpcUrl as string,
      "--deployments",
      deployments,
      "--dev-account",
      "2",
      "run",
      "--input",
      "job.sh",
      "--output",
      "out",
      "--results",
      path.join(dir, "results"),
      "--",
      "sh",
      "job.sh",
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let first = 0;
  child.stdout?.on("data", (d: Buffer) => {
    if (!first && d.toString().includes("first line")) first = performance.now() - t0;
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    const now = performance.now() - t0;
    for (const line of d.toString().split("\n")) {
      const key = /^(offer|lease|uploaded|running)/.exec(line)?.[1];
      if (key) phases[key] = [...(phases[key] ?? []), now];
    }
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`ocx run exited ${code}: ${stderr}`);
  firstLog.push(first);
  resultsOnDisk.push(performance.now() - t0);
}
devnet.kill("SIGTERM");
await new Promise((r) => devnet.once("exit", r));
await rm(dir, { recursive: true, force: true });

const round = (x: number) => Math.round(x);
const results = {
  measuredAt: new Date().toISOString(),
  jobs: JOBS,
  firstLogLineMs: { median: round(median(firstLog)), p90: round(p90(firstLog)) },
  resultsOnDiskMs: { median: round(median(resultsOnDisk)), p90: round(p90(resultsOnDisk)) },
  // When each step's progress line appeared, from invocation (median): where the time goes.
  stepsMedianMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(median(v))])),
  goalFirstLogMedianMs: 1500,
  goalMet: median(firstLog) < 1500,
};
console.log(`${JOBS} jobs through \`ocx run\` on the local network:
  invocation → first log line   median ${results.firstLogLineMs.median} ms, p90 ${results.firstLogLineMs.p90} ms (goal < 1500 ms: ${results.goalMet ? "met" : "NOT met"})
  invocation → results on disk  median ${results.resultsOnDiskMs.median} ms, p90 ${results.resultsOnDiskMs.p90} ms
  where the time goes (median, from invocation): ${Object.entries(results.stepsMedianMs)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(", ")}`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(new URL("./results/latency.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log("wrote bench/results/latency.json");
