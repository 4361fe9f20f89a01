// examples/agent as a user runs it: the built program (examples/agent/dist/agent.js) against a devnet (anvil, the
// contracts, a provider node) with a real model server registered in the InferenceRegistry and a real gateway in
// front of it. It runs a job with runJob within its cap, then streams a completion with the openai client over the
// payment-wrapped fetch, paid by vouchers; with a cap below the job's deposit it stops before any transaction.
import { execFile } from "node:child_process";
import path from "node:path";
import type { GatewayNode } from "@ocx/gateway";
import { ANVIL_KEYS, createCleanup } from "@ocx/node-kit";
import type { PaymentPrice } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, startDevnet } from "./harness/devnet.js";
import { startRegisteredModelServer, startTestGateway } from "./harness/inference.js";

const AGENT = path.resolve("examples/agent/dist/agent.js");
const price: PaymentPrice = { perRequest: 1_000n, per1kInputTokens: 2_000n, per1kOutputTokens: 5_000n };
/** anvil accounts: 2 is the agent (the devnet's buyer), 4 runs the model server (its payee), 5 the gateway. */
const AGENT_KEY = ANVIL_KEYS[2] as `0x${string}`;
const MODEL_KEY = ANVIL_KEYS[4] as `0x${string}`;
const GATEWAY_KEY = ANVIL_KEYS[5] as `0x${string}`;

const cleanup = createCleanup();
let devnet: Devnet;
let gateway: GatewayNode | undefined;

function agent(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AGENT],
      {
        cwd: devnet.dir,
        timeout: 120_000,
        env: {
          ...process.env,
          OCX_RPC_URL: devnet.summary.rpcUrl,
          OCX_DEPLOYMENTS: devnet.deploymentsDir,
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
  devnet = await startDevnet({
    name: "agent-example",
    flags: ["--no-validator", "--no-indexer", "--no-governance"],
    defer: cleanup.defer,
  });
  const { rpcUrl, deploymentFile } = devnet.summary;
  await startRegisteredModelServer({
    rpcUrl,
    deploymentFile,
    key: MODEL_KEY,
    dir: devnet.dir,
    price,
    defer: cleanup.defer,
  });
  gateway = await startTestGateway({
    rpcUrl,
    deploymentFile,
    dir: devnet.dir,
    key: GATEWAY_KEY,
    deadlineMs: 20_000,
    defer: cleanup.defer,
  });
}, 180_000);
afterAll(() => cleanup.run(), 60_000);

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
