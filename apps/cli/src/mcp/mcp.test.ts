// `ocx mcp` as an agent sees it: the MCP SDK's own Client, over stdio, spawning the built `ocx mcp` against a real
// devnet (anvil, the contracts, a provider node running jobs). It lists the tools, finds the provider's offer, runs
// a job within the budget and reads its logs and results; the job's bill replaces its deposit in the budget, so a
// second job fits; a third past the budget is refused before any transaction (nonce and balance unchanged); the
// budget survives a restart of the server (and --budget-reset clears it); calls racing on two servers cannot pass
// it; a tool outside the allow-list is refused; a service is deployed, reached and closed, its bill settled.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { freePort, processesMentioning } from "@ocx/node-kit";
import {
  billLease,
  type Deployment,
  getTokenBalance,
  leaseDeposit,
  listOffers,
  loadDeployment,
  OfferState,
} from "@ocx/sdk";
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
/** What the first job cost: its bill. */
let firstCost: bigint;
/** The lease of the HOLD job, open until the restarted server closes it. */
let holdLease: string;

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

const paymentToken = () => (deployment as Deployment & { paymentToken?: Address }).paymentToken ?? deployment.token;
const symbol = () => publicClient.readContract({ address: paymentToken(), abi: erc20Abi, functionName: "symbol" });

/** Starts `ocx mcp` as anvil's account 2 through the MCP SDK's stdio transport, and connects a client to it. */
async function connect(
  budgetText: string,
  options: { name: string; allow?: string; reset?: boolean },
): Promise<Client> {
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
      "--budget-name",
      options.name,
      "--budget-file",
      path.join(dir, "budget.db"),
      ...(options.reset ? ["--budget-reset"] : []),
      ...(options.allow ? ["--allow", options.allow] : []),
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
  const started = performance.now();
  await connected.connect(transport);
  connectMs.push(Math.round(performance.now() - started));
  return connected;
}

/** How long each connect took (spawn to handshake), logged at the end. */
const connectMs: number[] = [];

type Budget = { spent: string; reserved: string; remaining: string; limit: string };
const budgetOf = (result: ToolResult) => data(result).budget as Budget;

const JOB = {
  command: ["sh", "-c", "mkdir -p out && echo hello from the agent > out/hello.txt && echo job done"],
  outputs: ["out"],
  maxDuration: "1m",
  cpu: 1,
  memory: "256Mi",
  disk: "64Mi",
};
/** A job that holds its lease (and its deposit) until it is closed. */
const HOLD = { ...JOB, command: ["sleep", "300"], outputs: [] };
/** The allow-list of the main server: everything but the service tools. */
const ALLOW = "find_offers,explain_no_match,run_job,job_status,job_logs,job_results,balance_and_spending";

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

  client = await connect(budget, { name: "main", allow: ALLOW });
}, 120_000);

afterAll(async () => {
  console.log(`connect (spawn to handshake) ms: ${connectMs.join(", ")}`);
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
    // The lease ended: its bill (paid, the fee included) replaced its deposit in the budget.
    const bill = await billLease(publicClient, { deployment, leaseId: BigInt(run.leaseId as string) });
    expect(bill.paid + bill.refund).toBe(deposit);
    expect(run.cost).toBe(String(bill.paid));
    expect(budgetOf(ran)).toMatchObject({ spent: String(bill.paid), reserved: "0" });
    firstCost = bill.paid;
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

  it("frees what an ended job did not use: a second job fits in the budget", async () => {
    const held = await call("run_job", HOLD);
    expect(held.isError, `${text(held)}\n${serverErr}`).toBeFalsy();
    holdLease = data(held).leaseId as string;
    expect(budgetOf(held)).toMatchObject({ spent: String(firstCost), reserved: String(deposit) });
  });

  it("refuses a third job past the budget before any transaction", async () => {
    const token = paymentToken();
    const balanceBefore = await getTokenBalance(publicClient, { deployment: { token }, account: AGENT });
    const nonceBefore = await publicClient.getTransactionCount({ address: AGENT });

    const refused = await call("run_job", JOB);
    expect(refused.isError).toBe(true);
    const message = text(refused);
    const unit = await symbol();
    expect(message).toContain("run_job refused");
    expect(message).toContain(`the budget "main" is ${budget} ${unit}`);
    expect(message).toContain(`${formatUnits(firstCost, 18)} ${unit} is already spent`);
    expect(message).toContain(`${formatUnits(deposit, 18)} ${unit} reserved for open leases`);
    expect(message).toContain(`may spend up to ${formatUnits(deposit, 18)} ${unit}`);
    expect(message).toContain("no transaction was sent");

    expect(await publicClient.getTransactionCount({ address: AGENT })).toBe(nonceBefore);
    expect(await getTokenBalance(publicClient, { deployment: { token }, account: AGENT })).toBe(balanceBefore);

    const spending = await call("balance_and_spending");
    expect(spending.isError, text(spending)).toBeFalsy();
    expect(budgetOf(spending)).toMatchObject({ spent: String(firstCost), reserved: String(deposit) });
    expect(serverErr).toContain("run_job failed: run_job refused");
  });

  it("refuses a tool outside the allow-list", async () => {
    const refused = await call("close_service", { leaseId: 1 });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("close_service is not allowed on this server");
    expect(text(refused)).toContain("find_offers, explain_no_match, run_job");
  });
});

describe("the budget across server starts and concurrent calls", () => {
  it("counts what an earlier start spent and holds, until a lease ends or --budget-reset", {
    timeout: 120_000,
  }, async () => {
    await client?.close();
    client = undefined;
    const restarted = await connect(budget, { name: "main", allow: "all" });
    try {
      const refused = await call("run_job", JOB, { via: restarted });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain(`${formatUnits(firstCost, 18)} ${await symbol()} is already spent`);
      expect(budgetOf(refused)).toMatchObject({ spent: String(firstCost), reserved: String(deposit) });

      // Closing the held lease settles it: its bill replaces its deposit.
      const closed = await call("close_service", { leaseId: holdLease }, { via: restarted });
      expect(closed.isError, text(closed)).toBeFalsy();
      const bill = await billLease(publicClient, { deployment, leaseId: BigInt(holdLease) });
      expect(data(closed).cost).toBe(String(bill.paid));
      expect(budgetOf(closed)).toMatchObject({ spent: String(firstCost + bill.paid), reserved: "0" });
    } finally {
      await restarted.close();
    }
    const reset = await connect(budget, { name: "main", reset: true });
    try {
      const spending = await call("balance_and_spending", {}, { via: reset });
      expect(budgetOf(spending)).toMatchObject({ spent: "0", reserved: "0", remaining: String((deposit * 3n) / 2n) });
      expect(serverErr).toContain('--budget-reset: forgot 2 hold(s) of budget "main"');
    } finally {
      await reset.close();
    }
  });

  it("lets no more calls through than the budget fits, from two servers at once", { timeout: 120_000 }, async () => {
    const exact = formatUnits(deposit, 18);
    const [a, b] = await Promise.all([
      connect(exact, { name: "race", allow: ALLOW }),
      connect(exact, { name: "race", allow: ALLOW }),
    ]);
    try {
      const results = await Promise.all([a, b, a, b].map((via) => call("run_job", JOB, { via })));
      const taken = results.filter((r) => !r.isError);
      expect(taken.length, results.map(text).join("\n")).toBe(1);
      for (const refused of results.filter((r) => r.isError)) expect(text(refused)).toContain("run_job refused");
      const spending = await call("balance_and_spending", {}, { via: a });
      const held = budgetOf(spending);
      expect(BigInt(held.spent) + BigInt(held.reserved)).toBeLessThanOrEqual(deposit);
      expect(BigInt(held.spent) + BigInt(held.reserved)).toBeGreaterThan(0n);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
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
    const services = await connect("1", { name: "services", allow: "all" });
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
      // What the service cost replaced its deposit in the budget.
      const cost = BigInt(lease.deposit as string) - BigInt(data(closed).refund as string);
      expect(data(closed).cost).toBe(String(cost));
      expect(budgetOf(closed)).toMatchObject({ spent: String(cost), reserved: "0" });
    } finally {
      await services.close();
    }
  });
});
