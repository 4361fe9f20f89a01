// `ocx mcp` as an agent sees it: the MCP SDK's own Client, over stdio, spawning the built `ocx mcp` against a real
// devnet (anvil, the contracts, a provider node running jobs). It lists the tools, finds the provider's offer, runs
// a job within the budget and reads its logs and results; a second job past the budget is refused before any
// transaction (nonce and balance unchanged); a tool outside the allow-list is refused.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { freePort } from "@ocx/node-kit";
import { type Deployment, getTokenBalance, leaseDeposit, listOffers, loadDeployment, OfferState } from "@ocx/sdk";
import { type Address, createPublicClient, erc20Abi, formatUnits, http, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/ocx.js", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../../dist/bundle/ocx.js", import.meta.url));
/** anvil's account 2, which the server acts as (--dev-account 2). */
const AGENT: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

let dir: string;
let devnet: ChildProcess | undefined;
let devnetErr = "";
let rpcUrl: string;
let deployment: Deployment;
let publicClient: PublicClient;
let client: Client | undefined;
let serverErr = "";
/** One deposit of the test job, and the budget: one and a half of them. */
let deposit: bigint;
let budget: string;

type ToolResult = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: unknown };

const call = async (
  name: string,
  args: Record<string, unknown> = {},
  options: { via?: Client; onprogress?: (progress: { message?: string }) => void } = {},
) =>
  (await (options.via ?? client)?.callTool({ name, arguments: args }, undefined, {
    timeout: 120_000,
    ...(options.onprogress ? { onprogress: options.onprogress, resetTimeoutOnProgress: true } : {}),
  })) as ToolResult;
const text = (result: ToolResult) => result.content.map((c) => c.text ?? "").join("\n");
const data = (result: ToolResult) => result.structuredContent as Record<string, unknown>;

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

/** Starts `ocx mcp` as anvil's account 2 through the MCP SDK's stdio transport, and connects a client to it. */
async function connect(budgetText: string, extra: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      BIN,
      "--rpc-url",
      rpcUrl,
      "--deployments",
      path.join(dir, "deployments"),
      "--dev-account",
      "2",
      "mcp",
      "--budget",
      budgetText,
      ...extra,
      "--results-dir",
      path.join(dir, "results"),
    ],
    env: { ...process.env } as Record<string, string>,
    cwd: dir,
    stderr: "pipe",
  });
  transport.stderr?.on("data", (d) => {
    serverErr += d;
  });
  const connected = new Client({ name: "ocx-mcp-test", version: "0.0.0" });
  await connected.connect(transport);
  return connected;
}

const JOB = {
  command: ["sh", "-c", "mkdir -p out && echo hello from the agent > out/hello.txt && echo job done"],
  outputs: ["out"],
  maxDuration: "1m",
  cpu: 1,
  memory: "256Mi",
  disk: "64Mi",
};

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` before this test`);
  dir = await mkdtemp(path.join(tmpdir(), "ocx-mcp-test-"));
  const port = await freePort();
  devnet = spawn(
    process.execPath,
    [
      BIN,
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
  const summary = await new Promise<{ rpcUrl: string }>((resolve, reject) => {
    let out = "";
    devnet?.stdout?.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    devnet?.once("exit", (code) => reject(new Error(`ocx devnet exited with ${code}: ${devnetErr}`)));
  });
  rpcUrl = summary.rpcUrl;
  publicClient = createPublicClient({ transport: http(rpcUrl) }) as PublicClient;
  deployment = await loadDeployment(await publicClient.getChainId(), path.join(dir, "deployments"));
  const [offer] = (await listOffers(publicClient, deployment, { indexerUrl: "" })).filter(
    (o) => o.state === OfferState.Active,
  );
  if (!offer) throw new Error(`the devnet posted no offer: ${devnetErr}`);
  deposit = leaseDeposit(offer, { maxDurationSeconds: 60 });
  budget = formatUnits((deposit * 3n) / 2n, 18);

  client = await connect(budget, [
    "--allow",
    "find_offers,explain_no_match,run_job,job_status,job_logs,job_results,balance_and_spending",
  ]);
}, 120_000);

afterAll(async () => {
  await client?.close();
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

describe("ocx mcp over stdio, with the MCP SDK's client", () => {
  it("lists every tool, the ones outside the allow-list marked", async () => {
    const { tools } = (await client?.listTools()) ?? { tools: [] };
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        "balance_and_spending",
        "close_service",
        "deploy_service",
        "explain_no_match",
        "find_offers",
        "job_logs",
        "job_results",
        "job_status",
        "run_job",
        "service_status",
      ].sort(),
    );
    const run = tools.find((t) => t.name === "run_job");
    expect(run?.description).toContain("budget");
    expect(run?.inputSchema.properties).toHaveProperty("command");
    expect(tools.find((t) => t.name === "deploy_service")?.description).toMatch(/^\[NOT ALLOWED/);
  });

  it("finds the provider's offer and explains a job no offer can take", async () => {
    const found = await call("find_offers", { gpuModel: "cpu" });
    expect(found.isError, text(found)).toBeFalsy();
    expect((data(found).offers as unknown[]).length).toBeGreaterThan(0);

    const explained = await call("explain_no_match", { command: ["true"], gpus: 8, gpuModel: "nvidia-h100-80gb" });
    expect(explained.isError, text(explained)).toBeFalsy();
    expect(data(explained).matches).toEqual([]);
    expect(text(explained)).toContain("no offer matches");
  });

  it("runs a job within its budget, follows its logs and reads its results", { timeout: 150_000 }, async () => {
    const progress: string[] = [];
    const ran = await call(
      "run_job",
      { ...JOB, waitSeconds: 90 },
      { onprogress: (p) => progress.push(p.message ?? "") },
    );
    expect(ran.isError, `${text(ran)}\n${serverErr}`).toBeFalsy();
    const run = data(ran);
    expect(run.phase).toBe("completed");
    expect(run.exitCode).toBe(0);
    expect(run.deposit).toBe(String(deposit));
    expect((run.budget as { spent: string }).spent).toBe(String(deposit));
    // Progress notifications while it waited (the last may arrive after the answer, when the client stops listening).
    expect(progress.join("\n")).toContain(`lease #${run.leaseId} taken; uploading the job`);

    const logs = await call("job_logs", { leaseId: run.leaseId as string });
    expect(logs.isError, text(logs)).toBeFalsy();
    expect(data(logs).text).toContain("job done");
    expect(data(logs).ended).toBe(true);

    const status = await call("job_status", { leaseId: run.leaseId as string });
    expect(status.isError, text(status)).toBeFalsy();
    expect((data(status).node as { phase: string }).phase).toBe("completed");

    const results = await call("job_results", { leaseId: Number(run.leaseId) });
    expect(results.isError, text(results)).toBeFalsy();
    const files = data(results).files as { path: string; text?: string }[];
    expect(files).toContainEqual(expect.objectContaining({ path: "out/hello.txt", text: "hello from the agent\n" }));
    // Written inside the results folder the human chose, nowhere else.
    expect(await readFile(path.join(dir, "results", `lease-${run.leaseId}`, "out", "hello.txt"), "utf8")).toBe(
      "hello from the agent\n",
    );
  });

  it("refuses a second job past the budget before any transaction", async () => {
    const unit = await publicClient.readContract({
      address: (deployment as Deployment & { paymentToken?: Address }).paymentToken ?? deployment.token,
      abi: erc20Abi,
      functionName: "symbol",
    });
    const token = (deployment as Deployment & { paymentToken?: Address }).paymentToken ?? deployment.token;
    const balanceBefore = await getTokenBalance(publicClient, { deployment: { token }, account: AGENT });
    const nonceBefore = await publicClient.getTransactionCount({ address: AGENT });

    const refused = await call("run_job", JOB);
    expect(refused.isError).toBe(true);
    const message = text(refused);
    expect(message).toContain("run_job refused");
    expect(message).toContain(`budget is ${budget} ${unit}`);
    expect(message).toContain(`${formatUnits(deposit, 18)} ${unit} is already spent`);
    expect(message).toContain(`may spend up to ${formatUnits(deposit, 18)} ${unit}`);
    expect(message).toContain("no transaction was sent");

    expect(await publicClient.getTransactionCount({ address: AGENT })).toBe(nonceBefore);
    expect(await getTokenBalance(publicClient, { deployment: { token }, account: AGENT })).toBe(balanceBefore);

    const spending = await call("balance_and_spending");
    expect(spending.isError, text(spending)).toBeFalsy();
    expect((data(spending).budget as { spent: string }).spent).toBe(String(deposit));
    expect(serverErr).toContain("run_job failed: run_job refused");
  });

  it("refuses a tool outside the allow-list", async () => {
    const refused = await call("close_service", { leaseId: 1 });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("close_service is not allowed on this server");
    expect(text(refused)).toContain("find_offers, explain_no_match, run_job");
  });
});

const SERVICE = `version: 1
kind: service
name: hello
resources: { gpu: { count: 0 }, cpu: 1, memory: 256Mi, disk: 64Mi }
maxDuration: 10m
services:
  web:
    command: ["node", "-e", "require('http').createServer((q, s) => s.end('hello from a service')).listen(8080, '127.0.0.1')"]
    ports: [{ port: 8080, expose: public, protocol: http }]
    health: { http: { port: 8080, path: / }, intervalSeconds: 1, timeoutSeconds: 2, failures: 3, startSeconds: 10 }
`;

describe("ocx mcp --allow all: a service deployed, read and closed", () => {
  it("deploys a service within the budget, reaches it, and closes it with a refund", { timeout: 180_000 }, async () => {
    const services = await connect("1", ["--allow", "all"]);
    try {
      const deployed = await call("deploy_service", { manifest: SERVICE }, { via: services });
      expect(deployed.isError, `${text(deployed)}\n${serverErr}`).toBeFalsy();
      const lease = data(deployed);
      expect(lease.healthy).toBe(true);
      const [url] = lease.urls as { url: string }[];
      expect(await (await fetch(url?.url ?? "")).text()).toBe("hello from a service");

      const status = await call("service_status", { leaseId: lease.leaseId as string }, { via: services });
      expect(status.isError, text(status)).toBeFalsy();
      expect(data(status).services).toEqual([expect.objectContaining({ name: "web", state: "healthy" })]);

      const closed = await call("close_service", { leaseId: lease.leaseId as string }, { via: services });
      expect(closed.isError, text(closed)).toBeFalsy();
      expect(BigInt(data(closed).refund as string)).toBeGreaterThan(0n);
      expect(BigInt(data(closed).refund as string)).toBeLessThan(BigInt(lease.deposit as string));
    } finally {
      await services.close();
    }
  });
});
