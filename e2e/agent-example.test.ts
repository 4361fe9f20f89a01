// examples/agent as a user runs it: the built program (examples/agent/dist/agent.js) against a devnet (anvil, the
// contracts, a provider node) with a real model server registered in the InferenceRegistry and a real gateway in
// front of it. It runs a job with runJob within its cap, then streams a completion with the openai client over the
// payment-wrapped fetch, paid by vouchers; with a cap below the job's deposit it stops before any transaction.
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type GatewayNode, parseConfig, startChainGateway } from "@ocx/gateway";
import { type ModelServer, startModelServer } from "@ocx/model-server";
import { ANVIL_KEYS, createLogger, freePort } from "@ocx/node-kit";
import { chainFor, loadDeploymentFile, type PaymentPrice, registerInferenceEndpointSync } from "@ocx/sdk";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = path.resolve("apps/cli/bin/ocx.js");
const AGENT = path.resolve("examples/agent/dist/agent.js");
const price: PaymentPrice = { perRequest: 1_000n, per1kInputTokens: 2_000n, per1kOutputTokens: 5_000n };
/** anvil accounts: 2 is the agent (the devnet's buyer), 4 runs the model server (its payee), 5 the gateway. */
const AGENT_KEY = ANVIL_KEYS[2] as `0x${string}`;
const MODEL_KEY = ANVIL_KEYS[4] as `0x${string}`;
const GATEWAY_KEY = ANVIL_KEYS[5] as `0x${string}`;

let dir: string;
let devnet: ChildProcess | undefined;
let devnetErr = "";
let rpcUrl: string;
let server: ModelServer | undefined;
let gateway: GatewayNode | undefined;

/** Process ids whose command line mentions `needle` (this test's own, by its unique temporary folder). */
function processesMentioning(needle: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", "--", needle])
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
}

function agent(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AGENT],
      {
        cwd: dir,
        timeout: 120_000,
        env: {
          ...process.env,
          OCX_RPC_URL: rpcUrl,
          OCX_DEPLOYMENTS: path.join(dir, "deployments"),
          OCX_PRIVATE_KEY: AGENT_KEY,
          ...env,
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ocx-agent-example-"));
  const port = await freePort();
  devnet = spawn(
    process.execPath,
    [
      CLI,
      "--deployments",
      path.join(dir, "deployments"),
      "--json",
      "devnet",
      "--port",
      String(port),
      "--state-dir",
      path.join(dir, "devnet"),
      "--no-demo",
      "--no-validator",
      "--no-indexer",
      "--no-governance",
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  devnet.stderr?.on("data", (d) => {
    devnetErr += d;
  });
  const summary = await new Promise<{ rpcUrl: string; deploymentFile: string }>((resolve, reject) => {
    let out = "";
    devnet?.stdout?.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    devnet?.once("exit", (code) => reject(new Error(`ocx devnet exited with ${code}: ${devnetErr}`)));
  });
  rpcUrl = summary.rpcUrl;
  const chain = chainFor(await createPublicClient({ transport: http(rpcUrl) }).getChainId(), rpcUrl);
  server = await startModelServer({
    port: 0,
    price,
    payments: {
      rpcUrl,
      deploymentFile: summary.deploymentFile,
      privateKey: MODEL_KEY,
      store: path.join(dir, "model-server.db"),
      redeemIntervalMs: 0,
    },
  });
  await registerInferenceEndpointSync(
    createWalletClient({ chain, transport: http(rpcUrl), account: privateKeyToAccount(MODEL_KEY) }),
    {
      deployment: await loadDeploymentFile(summary.deploymentFile),
      model: server.model.name,
      url: server.url,
      pricing: price,
      capacity: 4,
      region: "local",
      leaseId: 0n,
    },
  );
  gateway = await startChainGateway(
    parseConfig(
      `chain: { rpcUrl: "${rpcUrl}", deployment: "${summary.deploymentFile}" }
api: { listen: "127.0.0.1:0" }
stateDir: "${path.join(dir, "gateway")}"
discovery: { registry: true }
payments: { enabled: true, autoDeposit: "1000000000000000000", redeemIntervalMs: 3600000 }
routing: { deadlineMs: 20000, tryTimeoutMs: 20000 }
`,
    ),
    { key: GATEWAY_KEY, log: createLogger({ level: "warn" }) },
  );
}, 180_000);

afterAll(async () => {
  await gateway?.close();
  await server?.close();
  if (devnet && devnet.exitCode === null && devnet.signalCode === null) {
    const exited = new Promise((resolve) => devnet?.once("exit", resolve));
    devnet.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  }
  if (dir) {
    for (const pid of processesMentioning(dir)) process.kill(pid, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);

describe("examples/agent against a devnet with a paid model behind the gateway", () => {
  it("runs a job, then streams a completion paid by vouchers, within its cap", { timeout: 150_000 }, async () => {
    const run = await agent({ OCX_GATEWAY_URL: gateway?.url ?? "", AGENT_CAP: "1" });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/lease #\d+: exit 0, paid [\d.]+ \S+, refunded [\d.]+ \S+; results: .*where\.txt/);
    const spent = /inference: spent ([\d.]+) (\S+), committed ([\d.]+) \S+, ([\d.]+) \S+ left/.exec(run.stdout);
    expect(spent, run.stdout).not.toBeNull();
    expect(Number(spent?.[1])).toBeGreaterThan(0);
    expect(Number(spent?.[4])).toBeLessThan(1);
  });

  it("stops before any transaction when the job's deposit is above its cap", async () => {
    const run = await agent({ AGENT_CAP: "0.000000000000000001" });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("is above the agent's cap");
    expect(run.stderr).toContain("nothing was sent");
  });
});
