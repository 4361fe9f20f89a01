// The model server paid with x402 vouchers on a real anvil and the real PaymentChannels: the openai client with the
// SDK's paying fetch (its only change besides the base URL) gets answers from the model, each charged its exact
// metered cost; a client without payment gets 402 before any work; the server redeems exactly what was charged.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, type Localnet, startLocalnet } from "@ocx/node-kit";
import {
  chargeFor,
  createPaymentFetch,
  decodePaymentReceipt,
  getTokenBalance,
  PAYMENT_RESPONSE_HEADER,
  type PaymentPrice,
  writeDeployment,
} from "@ocx/sdk";
import OpenAI from "openai";
import { type Address, type Hex, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelServer, startModelServer } from "./server.js";

const PAYEE = 1;
const BUYER = 2;
const price: PaymentPrice = { perRequest: 100n, per1kInputTokens: 2_000n, per1kOutputTokens: 3_333n };

let net: Localnet | undefined;
let server: ModelServer | undefined;
let dir: string;
let channels: Address;

/** PaymentChannels from the deployment, or deployed here from forge's artifact for a deployment made without it. */
async function paymentChannels(localnet: Localnet): Promise<Address> {
  const existing = (localnet.deployment as { paymentChannels?: Address }).paymentChannels;
  if (existing) return existing;
  const artifact = JSON.parse(
    await readFile(path.resolve("contracts/out/PaymentChannels.sol/PaymentChannels.json"), "utf8"),
  ) as { abi: unknown[]; bytecode: { object: Hex } };
  const hash = await localnet.wallet(0).deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode.object,
    args: [localnet.deployment.paymentToken, 3600],
  });
  return (await localnet.publicClient.waitForTransactionReceipt({ hash })).contractAddress as Address;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ocx-model-server-paid-"));
  try {
    net = await startLocalnet({ port: await freePort() });
    channels = await paymentChannels(net);
    const deploymentFile = await writeDeployment(
      { ...net.deployment, paymentChannels: channels } as typeof net.deployment,
      dir,
    );
    server = await startModelServer({
      port: 0,
      price,
      payments: {
        rpcUrl: net.anvil.rpcUrl,
        deploymentFile,
        privateKey: net.key(PAYEE),
        store: path.join(dir, "payments.db"),
        redeemIntervalMs: 0,
      },
    });
  } catch (error) {
    await cleanUp();
    throw error;
  }
}, 120_000);

async function cleanUp() {
  await server?.close().catch(() => {});
  await net?.stop().catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
}
afterAll(cleanUp, 60_000);

describe("paid with x402 vouchers", () => {
  it("refuses an unpaid request with 402 and the terms, before any work", async () => {
    const plain = new OpenAI({ baseURL: `${server?.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const refused = await plain.chat.completions
      .create({ model: "ocx-tinylm-docs", messages: [{ role: "user", content: "Hello" }], max_tokens: 10 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
    // The x402 body, as any client reads it (the openai client keeps only its `error` text).
    const answer = await fetch(`${server?.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "ocx-tinylm-docs",
        messages: [{ role: "user", content: "Hello" }],
        max_tokens: 10,
      }),
    });
    expect(answer.status).toBe(402);
    const body = (await answer.json()) as { accepts: { maxAmountRequired: string; payTo: string }[] };
    expect(body.accepts[0]?.maxAmountRequired).toBe(String(chargeFor(price, { inputTokens: 7, outputTokens: 10 })));
    expect(body.accepts[0]?.payTo).toBe(net?.wallet(PAYEE).account.address);
    expect(server?.stats.served).toBe(0);
  });

  it("answers paid requests, plain and streamed, each charged its metered cost; redeems exactly the sum", async () => {
    if (!net || !server) throw new Error("set-up failed");
    const buyer = net.wallet(BUYER);
    const pay = createPaymentFetch({
      walletClient: buyer,
      deployment: { paymentChannels: channels },
      capTotal: parseEther("1"),
      autoDeposit: 10n ** 15n,
    });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: pay });
    const { data, response } = await client.chat.completions
      .create({
        model: "ocx-tinylm-docs",
        messages: [{ role: "user", content: "What does a provider do?" }],
        max_tokens: 50,
        seed: 1,
      })
      .withResponse();
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    const usage = data.usage as OpenAI.CompletionUsage;
    const first = chargeFor(price, { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens });
    expect(decodePaymentReceipt(response.headers.get(PAYMENT_RESPONSE_HEADER))?.charged).toBe(first);

    const stream = await client.chat.completions.create({
      model: "ocx-tinylm-docs",
      messages: [{ role: "user", content: "Streams" }],
      max_tokens: 40,
      seed: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let streamed: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      streamed = chunk.usage ?? streamed;
    }
    expect(text.length).toBeGreaterThan(0);
    const second = chargeFor(price, {
      inputTokens: streamed?.prompt_tokens ?? 0,
      outputTokens: streamed?.completion_tokens ?? 0,
    });
    const payer = buyer.account.address;
    expect(server.receiver?.owed(payer)).toBe(first + second);
    // The paying fetch read both receipts: the header, and the stream's closing `: ocx-payment` comment.
    expect(pay.spent()).toBe(first + second);

    const deployment = { ...net.deployment };
    const payeeAddress = net.wallet(PAYEE).account.address;
    const before = await getTokenBalance(net.publicClient, {
      deployment,
      token: deployment.paymentToken,
      account: payeeAddress,
    });
    const redemptions = (await server.receiver?.redeem()) ?? [];
    expect(redemptions.map((r) => [r.payer, r.amount])).toEqual([[payer, first + second]]);
    const after = await getTokenBalance(net.publicClient, {
      deployment,
      token: deployment.paymentToken,
      account: payeeAddress,
    });
    expect(after - before).toBe(first + second);
  }, 60_000);
});
