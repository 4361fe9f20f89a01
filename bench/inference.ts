// What the inference gateway costs, measured in one run on this machine:
// 1. Added latency: the same small chat completion (the real tiny model, max_tokens 1) sent directly to the model
//    server and through the gateway, interleaved, one at a time; p50 and p99 of each and of the difference.
//    The model server and the gateway run as their own processes (their shipped bins), the client here.
// 2. Throughput: requests/s at a fixed concurrency, through the gateway and directly.
// 3. Gas per request: paid requests (buyer → gateway → endpoint, vouchers) on a local anvil, then one redemption
//    by the endpoint's registrant and one by the gateway; their gas over the number of requests.
// Goal: the gateway adds < 5 ms at p50. Run: npm run bench:inference. Writes bench/results/inference.{json,md}.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseConfig, startChainGateway } from "@ocx/gateway";
import { startModelServer } from "@ocx/model-server";
import { createLogger, freePort, startLocalnet, trackChild } from "@ocx/node-kit";
import { type ChannelsDeployment, createPaymentFetch, writeDeployment } from "@ocx/sdk";

const PAIRS = Number(process.env.BENCH_PAIRS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 5000);
const PAID = Number(process.env.BENCH_PAID ?? 50);
const GOAL_ADDED_P50_MS = 5;
const MODEL_BIN = path.resolve("apps/model-server/bin/ocx-model-server.js");
const GATEWAY_BIN = path.resolve("apps/gateway/bin/ocx-gateway.js");

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] as number;
};
const round2 = (x: number) => Math.round(x * 100) / 100;

const dir = await mkdtemp(path.join(tmpdir(), "ocx-bench-inference-"));
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown> | unknown)[] = [];

/**
 * The floor of one extra HTTP hop on this machine: a bare node:http reverse proxy (keep-alive agent, bodies piped,
 * no parsing), run as its own process like the gateway. PORT and TARGET come from the environment.
 */
const BARE_PROXY = `
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const target = new URL(process.env.TARGET);
http.createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on("error", () => { res.statusCode = 502; res.end(); });
  req.pipe(up);
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

/** CPU time (user + system) a process has used so far, ms, from /proc (Linux). */
async function cpuMs(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ", in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Spawns `node bin args` and resolves once `url/health` answers. */
async function spawnServer(
  bin: string,
  args: string[],
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildProcess> {
  const child = trackChild(spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "pipe"], env }));
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${path.basename(bin)} exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return child;
    if (Date.now() > deadline) throw new Error(`${path.basename(bin)} did not answer /health in 30 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

try {
  // ---------------------------------------------------------------- 1 + 2: latency and throughput, unpaid
  const modelPort = await freePort();
  const modelUrl = `http://127.0.0.1:${modelPort}`;
  const modelChild = await spawnServer(MODEL_BIN, ["--port", String(modelPort), "--capacity", "64"], modelUrl);
  const models = (await (await fetch(`${modelUrl}/v1/models`)).json()) as { data: { id: string }[] };
  const model = models.data[0]?.id as string;
  const gatewayPort = await freePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const configFile = path.join(dir, "gateway.yaml");
  await writeFile(
    configFile,
    `api: { listen: "127.0.0.1:${gatewayPort}" }
discovery:
  registry: false
  endpoints: [{ url: "${modelUrl}", model: ${model}, capacity: 64 }]
payments: { enabled: false }
`,
  );
  const gatewayChild = await spawnServer(
    GATEWAY_BIN,
    ["start", "--config", configFile, "--log-level", "warn"],
    gatewayUrl,
  );

  const bareProxyPort = await freePort();
  const bareUrl = `http://127.0.0.1:${bareProxyPort}`;
  const bareChild = await spawnServer("-e", [BARE_PROXY], bareUrl, {
    ...process.env,
    PORT: String(bareProxyPort),
    TARGET: modelUrl,
  });

  const body = JSON.stringify({ model, max_tokens: 1, temperature: 0, messages: [{ role: "user", content: "Hi" }] });
  const call = async (base: string) => {
    const t0 = performance.now();
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${base} answered ${response.status}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 50; i++) {
    await call(modelUrl);
    await call(gatewayUrl);
    await call(bareUrl);
  }
  const direct: number[] = [];
  const via: number[] = [];
  const bare: number[] = [];
  const bareAdded: number[] = [];
  const cpuBefore = {
    gateway: await cpuMs(gatewayChild.pid as number),
    model: await cpuMs(modelChild.pid as number),
    bare: await cpuMs(bareChild.pid as number),
  };
  const added: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    // Rotate which goes first, so none always meets a warmer machine.
    const order = [modelUrl, gatewayUrl, bareUrl];
    const times = new Map<string, number>();
    for (let k = 0; k < 3; k++) {
      const base = order[(i + k) % 3] as string;
      times.set(base, await call(base));
    }
    const d = times.get(modelUrl) as number;
    const g = times.get(gatewayUrl) as number;
    const b = times.get(bareUrl) as number;
    bare.push(b);
    bareAdded.push(b - d);
    direct.push(d);
    via.push(g);
    added.push(g - d);
  }

  // CPU per request: what each process itself spent, whatever the load on the machine (the model server served
  // 3 × PAIRS requests, the gateway and the bare proxy PAIRS each).
  const cpuPerRequest = {
    gatewayMs: round2(((await cpuMs(gatewayChild.pid as number)) - cpuBefore.gateway) / PAIRS),
    modelServerMs: round2(((await cpuMs(modelChild.pid as number)) - cpuBefore.model) / (3 * PAIRS)),
    bareProxyMs: round2(((await cpuMs(bareChild.pid as number)) - cpuBefore.bare) / PAIRS),
  };
  const load = (await import("node:os")).loadavg()[0] as number;

  const throughput = async (base: string) => {
    let done = 0;
    const end = performance.now() + THROUGHPUT_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          await call(base);
          done += 1;
        }
      }),
    );
    return done / (THROUGHPUT_MS / 1000);
  };
  const rpsDirect = await throughput(modelUrl);
  const rpsGateway = await throughput(gatewayUrl);
  for (const child of children) child.kill("SIGTERM");

  // ---------------------------------------------------------------- 3: gas per request, paid
  const net = await startLocalnet();
  cleanups.push(() => net.stop());
  const deployment = net.deployment as typeof net.deployment & ChannelsDeployment;
  let gas: Record<string, unknown> = { measured: false, why: "the deployment has no PaymentChannels" };
  if (deployment.paymentChannels) {
    const deploymentFile = await writeDeployment(net.deployment, dir);
    const price = { perRequest: 1_000n, per1kInputTokens: 2_000n, per1kOutputTokens: 5_000n };
    const server = await startModelServer({
      port: 0,
      price,
      payments: {
        rpcUrl: net.anvil.rpcUrl,
        deploymentFile,
        privateKey: net.key(2),
        store: path.join(dir, "model.db"),
        redeemIntervalMs: 0,
      },
    });
    cleanups.push(() => server.close());
    const gateway = await startChainGateway(
      parseConfig(`chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}" }
api: { listen: "127.0.0.1:0" }
stateDir: "${path.join(dir, "gateway")}"
discovery:
  registry: false
  endpoints: [{ url: "${server.url}", model: ${server.model.name}, payee: "${net.wallet(2).account.address}", pricing: { perRequest: 1000, per1kInputTokens: 2000, per1kOutputTokens: 5000 } }]
payments: { enabled: true, autoDeposit: "1000000000000000000", redeemIntervalMs: 3600000 }
routing: { deadlineMs: 10000, tryTimeoutMs: 10000 }
`),
      { key: net.key(1), log: createLogger({ level: "warn" }) },
    );
    cleanups.push(() => gateway.close());
    const pay = createPaymentFetch({
      walletClient: net.wallet(3),
      publicClient: net.publicClient,
      deployment,
      capTotal: 10n ** 18n,
      autoDeposit: 10n ** 17n,
    });
    const paidBody = JSON.stringify({
      model: server.model.name,
      max_tokens: 4,
      messages: [{ role: "user", content: "Hi" }],
    });
    for (let i = 0; i < PAID; i++) {
      const r = await pay(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: paidBody,
      });
      await r.arrayBuffer();
      if (!r.ok) throw new Error(`paid request ${i} answered ${r.status}`);
    }
    const gasOf = async (hashes: `0x${string}`[]) => {
      let total = 0n;
      for (const hash of hashes) total += (await net.publicClient.waitForTransactionReceipt({ hash })).gasUsed;
      return total;
    };
    const endpointRedemptions = (await server.receiver?.redeem()) ?? [];
    const gatewayRedemptions = await gateway.redeem();
    const endpointGas = await gasOf(endpointRedemptions.map((r) => r.hash));
    const gatewayGas = await gasOf(gatewayRedemptions.map((r) => r.hash));
    gas = {
      measured: true,
      requests: PAID,
      endpointRedemptionGas: Number(endpointGas),
      gatewayRedemptionGas: Number(gatewayGas),
      redeemedByEndpoint: endpointRedemptions.reduce((s, r) => s + r.amount, 0n).toString(),
      redeemedByGateway: gatewayRedemptions.reduce((s, r) => s + r.amount, 0n).toString(),
      gasPerRequest: round2(Number(endpointGas + gatewayGas) / PAID),
      note: "one redemption transaction per channel for all the requests; the two one-time deposits are not counted",
    };
  }

  const results = {
    measuredAt: new Date().toISOString(),
    model,
    request: "non-streaming chat completion, max_tokens 1, the tiny CPU model",
    pairs: PAIRS,
    directMs: { p50: round2(quantile(direct, 0.5)), p99: round2(quantile(direct, 0.99)) },
    gatewayMs: { p50: round2(quantile(via, 0.5)), p99: round2(quantile(via, 0.99)) },
    bareProxyMs: { p50: round2(quantile(bare, 0.5)), p99: round2(quantile(bare, 0.99)) },
    bareProxyAddedMs: { p50: round2(quantile(bareAdded, 0.5)), p99: round2(quantile(bareAdded, 0.99)) },
    addedMs: {
      p50: round2(quantile(added, 0.5)),
      p99: round2(quantile(added, 0.99)),
      p50OfGatewayMinusP50OfDirect: round2(quantile(via, 0.5) - quantile(direct, 0.5)),
      p99OfGatewayMinusP99OfDirect: round2(quantile(via, 0.99) - quantile(direct, 0.99)),
    },
    cpuPerRequest,
    loadAverage1m: round2(load),
    cpus: (await import("node:os")).cpus().length,
    throughput: {
      concurrency: CONCURRENCY,
      seconds: THROUGHPUT_MS / 1000,
      gatewayRps: round2(rpsGateway),
      directRps: round2(rpsDirect),
    },
    gas,
    goal: { addedP50Ms: GOAL_ADDED_P50_MS, met: quantile(added, 0.5) < GOAL_ADDED_P50_MS },
  };
  console.log(`${PAIRS} pairs, one at a time (${results.request}):
  direct   p50 ${results.directMs.p50} ms  p99 ${results.directMs.p99} ms
  gateway  p50 ${results.gatewayMs.p50} ms  p99 ${results.gatewayMs.p99} ms
  bare proxy p50 ${results.bareProxyMs.p50} ms  p99 ${results.bareProxyMs.p99} ms (one extra hop, no logic: adds ${results.bareProxyAddedMs.p50} ms at p50)
  added    p50 ${results.addedMs.p50} ms  p99 ${results.addedMs.p99} ms (per pair)   goal < ${GOAL_ADDED_P50_MS} ms at p50: ${results.goal.met ? "met" : "NOT met"}
CPU per request: gateway ${cpuPerRequest.gatewayMs} ms, bare proxy ${cpuPerRequest.bareProxyMs} ms, model server ${cpuPerRequest.modelServerMs} ms (load average ${round2(load)} on ${results.cpus} CPUs)
throughput at concurrency ${CONCURRENCY}: gateway ${results.throughput.gatewayRps} req/s, direct ${results.throughput.directRps} req/s
gas: ${gas.measured ? `${gas.gasPerRequest} per request (${gas.endpointRedemptionGas} + ${gas.gatewayRedemptionGas} for ${PAID} requests)` : `not measured: ${gas.why}`}`);
  await mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await writeFile(new URL("./results/inference.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(
    new URL("./results/inference.md", import.meta.url),
    `# bench:inference (${results.measuredAt})

${results.request}; ${PAIRS} rounds sent one at a time, direct, through the gateway and through a bare proxy, interleaved; 2-core machine.

| | p50 | p99 |
|---|---|---|
| direct to the model server | ${results.directMs.p50} ms | ${results.directMs.p99} ms |
| through the gateway | ${results.gatewayMs.p50} ms | ${results.gatewayMs.p99} ms |
| through a bare node:http proxy (the floor of one extra hop here) | ${results.bareProxyMs.p50} ms | ${results.bareProxyMs.p99} ms |
| added by the gateway (per pair) | **${results.addedMs.p50} ms** | ${results.addedMs.p99} ms |
| added by the bare proxy (per pair) | ${results.bareProxyAddedMs.p50} ms | ${results.bareProxyAddedMs.p99} ms |

CPU time per request (each process's own, from /proc; less dependent on how loaded the machine is): gateway ${cpuPerRequest.gatewayMs} ms, bare proxy ${cpuPerRequest.bareProxyMs} ms, model server ${cpuPerRequest.modelServerMs} ms. Load average during the run: ${results.loadAverage1m} on ${results.cpus} CPUs (the machine is shared).

Goal: under ${GOAL_ADDED_P50_MS} ms added at p50: ${results.goal.met ? "met" : "NOT met"}.

Throughput at concurrency ${CONCURRENCY} for ${THROUGHPUT_MS / 1000} s: ${results.throughput.gatewayRps} req/s through the gateway, ${results.throughput.directRps} req/s direct.

Gas per paid request: ${gas.measured ? `**${gas.gasPerRequest}** (endpoint's redemption ${gas.endpointRedemptionGas} + gateway's ${gas.gatewayRedemptionGas}, over ${PAID} requests; deposits not counted)` : `not measured (${gas.why})`}.
`,
  );
  console.log("wrote bench/results/inference.json and inference.md");
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
