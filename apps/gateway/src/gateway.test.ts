// The gateway over stand-in endpoints in child processes (upstream.test-fixture.ts), driven by the official
// `openai` client: routing order, failover before the first byte, a stream whose endpoint is killed mid-way,
// and the exact bill on both sides. Payments on-chain are e2e/inference.test.ts's; here the buyer's ledger is
// an in-memory BuyerPayments, so the proxy's charging rules are checked alone. The gateway's own side of payments
// (its cap and its channel toward an endpoint running out) runs on a real anvil, with a real channel and an
// endpoint paid through the SDK's withPayment.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createLogger, type Localnet, listenApi, startLocalnet, trackChild, withCleanup } from "@ocx/node-kit";
import {
  type ChannelsDeployment,
  createPaymentFetch,
  createPaymentReceiver,
  depositToChannelSync,
  ensureAllowance,
  getChannelTerms,
  withPayment,
} from "@ocx/sdk";
import { Hono } from "hono";
import OpenAI from "openai";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configTemplate, parseConfig } from "./config.js";
import type { GatewayNode } from "./node.js";
import { startGateway } from "./node.js";
import type { BuyerPayments } from "./payments.js";
import { type RouteCandidate, rank, withFee } from "./routing.js";

const FIXTURE = fileURLToPath(new URL("./upstream.test-fixture.ts", import.meta.url));
const PAYER = "0x00000000000000000000000000000000000000b1" as Address;
const PAYEE = "0x000000000000000000000000000000000000009a" as Address;

interface Upstream {
  url: string;
  child: ChildProcess;
  kill(): Promise<void>;
}

async function startUpstream(args: string[]): Promise<Upstream> {
  const child = trackChild(
    spawn(process.execPath, ["--import", "tsx", FIXTURE, ...args], { stdio: ["ignore", "pipe", "inherit"] }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const match = /listening (\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`the stand-in endpoint exited with ${code} before listening`)));
  });
  return {
    url,
    child,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** A buyer ledger: what each payer owes the gateway (the SDK's PaymentReceiver does this durably, on vouchers). */
function memoryLedger(): BuyerPayments & { owedBy: Map<Address, bigint>; charges: bigint[] } {
  const owedBy = new Map<Address, bigint>();
  const charges: bigint[] = [];
  return {
    payee: PAYEE,
    owedBy,
    charges,
    async check(header, maxAmount) {
      if (header !== "buyer-b1") {
        return { ok: false, body: { x402Version: 1, error: "X-PAYMENT missing", maxAmountRequired: `${maxAmount}` } };
      }
      let settled = false;
      return {
        ok: true,
        payer: PAYER,
        grant: {
          charge(amount) {
            if (settled) throw new Error("charged twice");
            settled = true;
            if (amount > maxAmount) throw new Error(`charged ${amount} above the grant's ${maxAmount}`);
            const charged = amount;
            charges.push(charged);
            const owed = (owedBy.get(PAYER) ?? 0n) + charged;
            owedBy.set(PAYER, owed);
            return { charged, owed };
          },
          release() {
            settled = true;
          },
        },
      };
    },
  };
}

/**
 * A gateway over the config's `endpoints` (YAML flow mappings, no registry) and `settings` (more YAML), with payments
 * on: its buyers pay into `ledger`, and its calls to endpoints go through `upstreamFetch`.
 */
function startLedgerGateway(options: {
  endpoints: string[];
  settings?: string;
  ledger: BuyerPayments;
  upstreamFetch: typeof fetch;
}): Promise<GatewayNode> {
  // Payments are turned on after parsing: the file refuses them without a chain, which these gateways do not need.
  const config = parseConfig(
    `discovery:
  registry: false
  probeIntervalMs: 60000
  endpoints:
${options.endpoints.map((e) => `    - ${e}`).join("\n")}
api: { listen: "127.0.0.1:0" }
${options.settings ?? "payments: { enabled: false }"}
`,
  );
  config.payments.enabled = true;
  const { ledger, upstreamFetch } = options;
  return startGateway(config, {
    log: createLogger({ level: "error" }),
    payments: async () => ({
      buyer: ledger,
      upstreamFetch,
      redeem: async () => [],
      status: () => ({}),
      close: () => {},
    }),
  });
}

describe("routing order", () => {
  const base: RouteCandidate = {
    key: "a",
    pricing: { perRequest: 0n, per1kInputTokens: 1000n, per1kOutputTokens: 2000n },
    capacity: 2,
    inFlight: 0,
    latencyMs: 50,
    reputation: 0.5,
    verified: true,
    healthy: true,
  };
  const size = { inputTokens: 100, outputTokens: 100 };
  const settings = { latencyScaleMs: 200, unverifiedPenalty: 2 };
  const order = (candidates: RouteCandidate[]) => rank(candidates, size, settings).map((r) => r.candidate.key);

  it("prefers the cheaper, then the faster, the better reputed and the verified endpoint", () => {
    expect(
      order([
        { ...base, key: "dear", pricing: { ...base.pricing, per1kOutputTokens: 4000n } },
        { ...base, key: "cheap" },
      ]),
    ).toEqual(["cheap", "dear"]);
    expect(
      order([
        { ...base, key: "slow", latencyMs: 400 },
        { ...base, key: "fast", latencyMs: 10 },
      ]),
    ).toEqual(["fast", "slow"]);
    expect(
      order([
        { ...base, key: "bad", reputation: 0.1 },
        { ...base, key: "good", reputation: 0.9 },
      ]),
    ).toEqual(["good", "bad"]);
    expect(
      order([
        { ...base, key: "unverified", verified: false },
        { ...base, key: "verified" },
      ]),
    ).toEqual(["verified", "unverified"]);
  });

  it("trades price against latency by the stated formula", () => {
    // reputation 0.5 divides by 1. Quote 300 at 0 ms: 301 × 1 = 301; quote 150 at 200 ms: 151 × 2 = 302: the dearer fast one just wins.
    const fast = { ...base, key: "fast", latencyMs: 0 };
    const slowHalfPrice = {
      ...base,
      key: "slow",
      latencyMs: 200,
      pricing: { ...base.pricing, per1kInputTokens: 500n, per1kOutputTokens: 1000n },
    };
    const ranked = rank([slowHalfPrice, fast], size, settings);
    expect(ranked.map((r) => [r.candidate.key, r.quote, r.score])).toEqual([
      ["fast", 300n, 301],
      ["slow", 150n, 302],
    ]);
  });

  it("leaves out endpoints at capacity and tries unhealthy ones last", () => {
    expect(
      order([
        { ...base, key: "full", inFlight: 2 },
        { ...base, key: "free", pricing: { ...base.pricing, per1kOutputTokens: 9000n } },
      ]),
    ).toEqual(["free"]);
    expect(
      order([
        { ...base, key: "down", healthy: false },
        { ...base, key: "up", latencyMs: 5000 },
      ]),
    ).toEqual(["up", "down"]);
  });

  it("adds the fee rounded up", () => {
    expect(withFee(0n, 25)).toBe(0n);
    expect(withFee(1001n, 25)).toBe(1004n);
    expect(withFee(400n, 25)).toBe(401n);
  });
});

describe("config", () => {
  it("parses its own template, and refuses registry discovery without a chain", () => {
    expect(parseConfig(configTemplate()).routing.maxTries).toBe(3);
    expect(() => parseConfig("payments: { enabled: false }\n")).toThrow(
      /discovery.registry reads the InferenceRegistry and needs chain/,
    );
    expect(() =>
      parseConfig("discovery: { registry: false }\npayments: { enabled: false }\nrouting: { maxTries: 0 }\n"),
    ).toThrow(/routing.maxTries/);
  });
});

describe("gateway over stand-in endpoints", () => {
  let cheap: Upstream;
  let dear: Upstream;
  let gateway: GatewayNode;
  let ledger: ReturnType<typeof memoryLedger>;
  let cleanup: { run(): Promise<void> };
  const model = "echo-1";

  beforeAll(async () => {
    const setUp = await withCleanup(async (defer) => {
      // cheap: 1 unit per request + 1000 per 1k output tokens (1 a word), a word every 150 ms; dear: 5 + 3000/1k.
      cheap = await startUpstream([
        "--name",
        "cheap",
        "--delay-ms",
        "150",
        "--per-request",
        "1",
        "--per-1k-out",
        "1000",
      ]);
      defer(() => cheap.kill());
      dear = await startUpstream(["--name", "dear", "--per-request", "5", "--per-1k-out", "3000"]);
      defer(() => dear.kill());
      ledger = memoryLedger();
      gateway = await startLedgerGateway({
        endpoints: [
          `{ url: "${cheap.url}", model: ${model}, capacity: 4, pricing: { perRequest: 1, per1kOutputTokens: 1000 } }`,
          `{ url: "${dear.url}", model: ${model}, capacity: 4, pricing: { perRequest: 5, per1kOutputTokens: 3000 } }`,
        ],
        settings: "payments: { enabled: false, feeBps: 100 }\nrouting: { deadlineMs: 2000, tryTimeoutMs: 1000 }",
        ledger,
        upstreamFetch: fetch,
      });
      defer(() => gateway.close());
    });
    cleanup = setUp.cleanup;
  }, 60_000);
  afterAll(() => cleanup?.run());

  const client = (header = "buyer-b1") =>
    new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: "unused",
      maxRetries: 0,
      defaultHeaders: { "x-payment": header },
    });

  it("lists the model and refuses an unpaid request with 402 before calling any endpoint", async () => {
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual([model]);
    const error = await client("none")
      .chat.completions.create({ model, messages: [{ role: "user", content: "hello" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
    expect(ledger.charges).toEqual([]);
  });

  it("routes to the cheaper endpoint and charges exactly its charge plus the fee, rounded up", async () => {
    const completion = await client().chat.completions.create({
      model,
      max_tokens: 16,
      messages: [{ role: "user", content: "one two three" }],
    });
    expect(completion.choices[0]?.message.content).toBe("one two three");
    expect((completion as unknown as { served_by: string }).served_by).toBe("cheap");
    // cheap charged 1 + ⌈3·1000/1000⌉ = 4; the buyer pays 4 + ⌈4·100/10000⌉ = 5.
    expect(ledger.charges).toEqual([5n]);
  });

  it("streams, and a stream whose endpoint is killed mid-way ends with upstream_failed and is charged 0", async () => {
    const before = ledger.charges.length;
    const stream = await client().chat.completions.create({
      model,
      stream: true,
      max_tokens: 32,
      messages: [{ role: "user", content: "a b c d e f g h i j k l" }],
    });
    const received: string[] = [];
    let failure: unknown;
    try {
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta.content;
        if (content) received.push(content);
        if (received.length === 3) await cheap.kill();
      }
    } catch (error) {
      failure = error;
    }
    expect(received.join("")).toBe("a b c");
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as { error?: { type?: string } }).error?.type).toBe("upstream_failed");
    expect(ledger.charges.length).toBe(before);
  });

  it("fails over to the next endpoint when the best one is down, and bills that one exactly", async () => {
    // The dead endpoint is still in the table (unhealthy); bring it back to healthy so routing tries it first.
    const dead = gateway.table.all().find((e) => e.url === cheap.url);
    if (dead) gateway.table.markHealthy(dead);
    const before = ledger.charges.length;
    const stream = await client().chat.completions.create({
      model,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 32,
      messages: [{ role: "user", content: "x y" }],
    });
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
      expect((chunk as unknown as { served_by?: string }).served_by ?? "dear").toBe("dear");
    }
    expect(text).toBe("x y");
    expect(usage).toMatchObject({ completion_tokens: 2 });
    // dear charged 5 + ⌈2·3000/1000⌉ = 11; the buyer pays 11 + ⌈0.11⌉ = 12.
    expect(ledger.charges.slice(before)).toEqual([12n]);
    expect(ledger.owedBy.get(PAYER)).toBe(5n + 12n);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/ocx_gateway_failovers_total\{model="echo-1"\} 1/);
    expect(metrics).toMatch(/ocx_gateway_errors_total\{kind="midstream"/);
    expect(metrics).toMatch(/ocx_gateway_errors_total\{kind="connect"/);
  });

  it("answers 404 naming the served models for an unknown model, and 400 for a bad request", async () => {
    const error = await client()
      .chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(404);
    expect((error as Error).message).toContain("echo-1");
    const bad = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: '{"model":"echo-1"}' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("messages is required");
  });
});

describe("the gateway's own funds toward an endpoint", () => {
  // The endpoint asks up to 1,000 per request and charges 400; the gateway (anvil account 3) pays it from a channel
  // it has not funded yet, under a cap of 1,200 in all: room for one request's 1,000, not for a second one's 1,400.
  const model = "paid-1";
  let net: Localnet;
  let deployment: ChannelsDeployment;
  let endpoint: { url: string; payee: Address };
  let gateway: GatewayNode;
  let ledger: ReturnType<typeof memoryLedger>;
  let cleanup: { run(): Promise<void> };

  beforeAll(async () => {
    const setUp = await withCleanup(async (defer) => {
      net = await startLocalnet();
      defer(() => net.stop());
      deployment = net.deployment as ChannelsDeployment;
      const payee = net.wallet(2);
      const receiver = await createPaymentReceiver({
        walletClient: payee,
        publicClient: net.publicClient,
        deployment,
        store: ":memory:",
      });
      defer(() => receiver.close());
      const paid = withPayment(receiver, { maxAmount: () => 1_000n }, async (_request, { payment }) => {
        payment.charge(400n);
        return Response.json({
          id: "chatcmpl-paid",
          object: "chat.completion",
          created: 0,
          model,
          choices: [{ index: 0, message: { role: "assistant", content: "paid answer" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
        });
      });
      const app = new Hono();
      app.get("/health", (c) => c.json({ ok: true }));
      app.post("/v1/chat/completions", (c) => paid(c.req.raw));
      const server = await listenApi(app, { listen: "127.0.0.1:0" });
      defer(() => server.close());
      endpoint = { url: server.url, payee: payee.account.address };

      ledger = memoryLedger();
      gateway = await startLedgerGateway({
        endpoints: [
          `{ url: "${endpoint.url}", model: ${model}, payee: "${endpoint.payee}", pricing: { perRequest: 1000 } }`,
        ],
        ledger,
        upstreamFetch: createPaymentFetch({
          walletClient: net.wallet(3),
          publicClient: net.publicClient,
          deployment,
          capTotal: 1_200n,
        }),
      });
      defer(() => gateway.close());
    });
    cleanup = setUp.cleanup;
  }, 120_000);
  afterAll(() => cleanup?.run());

  const ask = () =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-payment": "buyer-b1" },
      body: JSON.stringify({ model, max_tokens: 4, messages: [{ role: "user", content: "hi" }] }),
    });
  const fundsErrors = async () =>
    /ocx_gateway_errors_total\{kind="gateway_funds",endpoint=""\} (\d+)/.exec(
      await (await fetch(`${gateway.url}/metrics`)).text(),
    )?.[1];

  it("answers 503 gateway_funds_exhausted, not 502, while its channel to the endpoint holds nothing; then serves once it is funded, until its cap", async () => {
    const empty = await ask();
    expect(empty.status).toBe(503);
    expect(empty.headers.get("retry-after")).toBeNull();
    const refusal = (await empty.json()) as { error: { type: string; code: string; message: string } };
    expect(refusal.error).toMatchObject({ type: "gateway_funds_exhausted", code: "gateway_funds_exhausted" });
    expect(refusal.error.message).toContain("the channel to");
    expect(refusal.error.message).toContain("`ocx channels deposit`");
    expect(refusal.error.message).toContain("nothing was charged");
    expect(ledger.charges).toEqual([]);
    expect(await fundsErrors()).toBe("1");
    // Not the endpoint's fault: it stays healthy.
    expect(gateway.table.all().every((e) => e.healthy)).toBe(true);

    // The operator funds the channel: the same request is served and billed.
    const gatewayWallet = net.wallet(3);
    const { token } = await getChannelTerms(net.publicClient, { deployment });
    await ensureAllowance(gatewayWallet, {
      deployment: { token },
      spender: deployment.paymentChannels as `0x${string}`,
      amount: 10_000n,
    });
    await depositToChannelSync(gatewayWallet, { deployment, payee: endpoint.payee, amount: 10_000n });
    const served = await ask();
    expect(served.status).toBe(200);
    expect(((await served.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe(
      "paid answer",
    );
    expect(ledger.charges).toEqual([400n]);

    // Owed 400 + up to 1,000 more would commit 1,400, over the cap of 1,200.
    const capped = await ask();
    expect(capped.status).toBe(503);
    expect(capped.headers.get("retry-after")).toBeNull();
    const message = ((await capped.json()) as { error: { message: string } }).error.message;
    expect(message).toContain("above the cap 1200");
    expect(message).toContain("raise payments.capTotal");
    expect(ledger.charges).toEqual([400n]);
    expect(await fundsErrors()).toBe("2");
  }, 120_000);
});
