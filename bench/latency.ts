// How fast a buyer gets going, as ratios to a bare `node -e 0` measured in the same run (machines here
// differ several-fold in process start-up): `ocx --version`, and 20 small jobs through `ocx run` on the
// local network, as separate processes (devnet with its provider node, then the CLI), as a user runs them.
// Goals: `ocx --version` ≤ 2× a bare node start; `ocx run` to its first log line ≤ 6× (median).
// Run: npm run bench:latency. Prints the figures and writes bench/results/latency.json.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@ocx/node-kit";

const JOBS = Number(process.env.BENCH_JOBS ?? 20);
const STARTS = Number(process.env.BENCH_STARTS ?? 20);
// What npm links as `ocx`: the bundle.
const cli = path.resolve("apps/cli/bin/ocx.js");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p90 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))] as number;
const timed = (args: string[]) => {
  const t0 = performance.now();
  execFileSync(process.execPath, args, { stdio: "ignore" });
  return performance.now() - t0;
};

// Start-up, interleaved so that both sides see the same machine: a bare node, and `ocx --version`.
const nodeStart: number[] = [];
const versionStart: number[] = [];
timed(["-e", "0"]); // warm the file cache
timed([cli, "--version"]);
for (let i = 0; i < STARTS; i++) {
  nodeStart.push(timed(["-e", "0"]));
  versionStart.push(timed([cli, "--version"]));
}

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
// Read the devnet's log as it comes (a full pipe would stall it), keeping its end for an error message.
let devnetLog = "";
devnet.stderr?.on("data", (d: Buffer) => {
  devnetLog = (devnetLog + d.toString()).slice(-4000);
});
const ready = await new Promise<Record<string, string>>((resolve, reject) => {
  let out = "";
  devnet.stdout?.on("data", (d) => {
    out += d;
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (!line) return;
    const summary = JSON.parse(line);
    if (summary.error) reject(new Error(`devnet failed: ${summary.error.message}`));
    else resolve(summary);
  });
  devnet.once("exit", (code) => reject(new Error(`devnet exited with ${code}: ${devnetLog}`)));
  setTimeout(() => reject(new Error(`devnet was not ready in 60 s: ${devnetLog}`)), 60_000).unref();
});

const firstLog: number[] = [];
const failures: string[] = [];
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
      const key = /^(offer|quote|lease|uploaded|running)/.exec(line)?.[1];
      if (key) phases[key] = [...(phases[key] ?? []), now];
    }
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) {
    // A failed run is reported, not timed; too many and the figures mean nothing.
    const reason = stderr.trimEnd().split("\n").at(-1) ?? `exit code ${code}`;
    failures.push(reason);
    console.error(`run ${i + 1} failed (exit ${code}): ${reason}`);
    if (failures.length > JOBS / 4)
      throw new Error(`${failures.length} runs failed; the devnet's log ends with:\n${devnetLog}`);
  } else {
    firstLog.push(first);
    resultsOnDisk.push(performance.now() - t0);
  }
  // A bare node start between jobs too, so the run's ratio compares like with like.
  nodeStart.push(timed(["-e", "0"]));
}
devnet.kill("SIGTERM");
await new Promise((r) => devnet.once("exit", r));
await rm(dir, { recursive: true, force: true });

const round = (x: number) => Math.round(x);
const ratio = (x: number) => Math.round((x / median(nodeStart)) * 100) / 100;
const GOALS = { versionRatio: 2, firstLogRatio: 6 };
const results = {
  measuredAt: new Date().toISOString(),
  jobs: JOBS,
  failedRuns: failures,
  nodeStartMs: { median: round(median(nodeStart)), p90: round(p90(nodeStart)), samples: nodeStart.length },
  versionMs: { median: round(median(versionStart)), p90: round(p90(versionStart)), samples: versionStart.length },
  firstLogLineMs: { median: round(median(firstLog)), p90: round(p90(firstLog)) },
  resultsOnDiskMs: { median: round(median(resultsOnDisk)), p90: round(p90(resultsOnDisk)) },
  // Each median over the bare node start's median.
  ratios: {
    version: ratio(median(versionStart)),
    firstLogLine: ratio(median(firstLog)),
    resultsOnDisk: ratio(median(resultsOnDisk)),
  },
  goals: GOALS,
  goalsMet: {
    version: ratio(median(versionStart)) <= GOALS.versionRatio,
    firstLogLine: ratio(median(firstLog)) <= GOALS.firstLogRatio,
  },
  // When each step's progress line appeared, from invocation (median): where the time goes.
  stepsMedianMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(median(v))])),
};
const met = (ok: boolean) => (ok ? "met" : "NOT met");
console.log(`start-up, ${STARTS} each (median): node -e 0 ${results.nodeStartMs.median} ms; ocx --version ${results.versionMs.median} ms = ${results.ratios.version}× (goal ≤ ${GOALS.versionRatio}×: ${met(results.goalsMet.version)})
${JOBS} jobs through \`ocx run\` on the local network:
  invocation → first log line   median ${results.firstLogLineMs.median} ms = ${results.ratios.firstLogLine}× node (goal ≤ ${GOALS.firstLogRatio}×: ${met(results.goalsMet.firstLogLine)}), p90 ${results.firstLogLineMs.p90} ms
  invocation → results on disk  median ${results.resultsOnDiskMs.median} ms = ${results.ratios.resultsOnDisk}× node, p90 ${results.resultsOnDiskMs.p90} ms
  where the time goes (median, from invocation): ${Object.entries(results.stepsMedianMs)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(", ")}`);
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(new URL("./results/latency.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log("wrote bench/results/latency.json");
