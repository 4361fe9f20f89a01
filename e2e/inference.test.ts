// Inference paid by vouchers, end to end on a real anvil with the real contracts: the official `openai` client
// (its only change: `fetch` is the SDK's payment-wrapped fetch, which adds the X-PAYMENT voucher, and its base URL
// is the gateway) streams a completion from the real tiny model served by @ocx/model-server, registered in the
// InferenceRegistry and found there by the gateway; then the endpoint's registrant and the gateway each redeem
// on-chain exactly what they were charged. (The server runs in this process here, not on a service lease.)
// Bill: buyer → gateway = gateway → endpoint = the endpoint's price on the usage it reported (fee 0).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type GatewayNode, parseConfig, startChainGateway } from "@ocx/gateway";
import { type ModelServer, startModelServer } from "@ocx/model-server";
import { createLogger, type Localnet, startLocalnet, withCleanup } from "@ocx/node-kit";
import {
  type ChannelsDeployment,
  chargeFor,
  createPaymentFetch,
  getChannel,
  getTokenBalance,
  type PaymentPrice,
  registerInferenceEndpointSync,
  writeDeployment,
} from "@ocx/sdk";
import OpenAI from "openai";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const price: PaymentPrice = { perRequest: 1_000n, per1kInputTokens: 2_000n, per1kOutputTokens: 5_000n };

describe("inference through the gateway, paid by vouchers", () => {
  let net: Localnet;
  let server: ModelServer;
  let gateway: GatewayNode;
  let cleanup: { run(): Promise<void> };
  let deployment: ChannelsDeployment & Localnet["deployment"];
  let provider: Address;
  let gatewayAddress: Address;
  let buyer: Address;
  let openai: OpenAI;
  let payFetch: ReturnType<typeof createPaymentFetch>;

  beforeAll(async () => {
    const setUp = await withCleanup(async (defer) => {
      net = await startLocalnet();
      defer(() => net.stop());
      deployment = net.deployment as typeof deployment;
      if (!deployment.paymentChannels) throw new Error("deployOcx did not deploy PaymentChannels");
      if (!net.deployment.inferenceRegistry) throw new Error("deployOcx did not deploy the InferenceRegistry");
      const dir = await mkdtemp(path.join(tmpdir(), "ocx-inference-"));
      defer(() => rm(dir, { recursive: true, force: true }));
      const deploymentFile = await writeDeployment(net.deployment, dir);
      provider = net.wallet(2).account.address;
      gatewayAddress = net.wallet(1).account.address;
      buyer = net.wallet(3).account.address;
      server = await startModelServer({
        port: 0,
        price,
        payments: {
          rpcUrl: net.anvil.rpcUrl,
          deploymentFile,
          privateKey: net.key(2),
          store: path.join(dir, "model-server.db"),
          redeemIntervalMs: 0,
        },
      });
      defer(() => server.close());
      // The model server's operator registers it in the InferenceRegistry; the gateway finds it there.
      await registerInferenceEndpointSync(net.wallet(2), {
        deployment: net.deployment,
        model: server.model.name,
        url: server.url,
        pricing: price,
        capacity: 4,
        region: "local",
        leaseId: 0n,
      });
      const config = parseConfig(
        `chain: { rpcUrl: "${net.anvil.rpcUrl}", deployment: "${deploymentFile}" }
api: { listen: "127.0.0.1:0" }
stateDir: "${path.join(dir, "gateway")}"
discovery: { registry: true }
payments: { enabled: true, autoDeposit: "1000000000000000000", redeemIntervalMs: 3600000 }
routing: { deadlineMs: 10000, tryTimeoutMs: 10000 }
`,
      );
      gateway = await startChainGateway(config, { key: net.key(1), log: createLogger({ level: "warn" }) });
      defer(() => gateway.close());
    });
    cleanup = setUp.cleanup;
    payFetch = createPaymentFetch({
      walletClient: net.wallet(3),
      publicClient: net.publicClient,
      deployment,
      capTotal: 10n ** 18n,
      autoDeposit: 10n ** 17n,
    });
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: payFetch });
  }, 120_000);
  afterAll(() => cleanup?.run());

  it("streams a completion from the model, and both sides redeem exactly what was charged", async () => {
    const found = gateway.table.all();
    expect(found.map((e) => [e.key, e.payee, e.url])).toEqual([["registry:1", provider, server.url]]);
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toContain(server.model.name);

    const expected: bigint[] = [];
    const stream = await openai.chat.completions.create({
      model: server.model.name,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 24,
      temperature: 0,
      messages: [{ role: "user", content: "The provider node" }],
    });
    let text = "";
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(text.length); // one token per character: the model's tokenizer
    expected.push(
      chargeFor(price, { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 }),
    );

    const completion = await openai.chat.completions.create({
      model: server.model.name,
      max_tokens: 12,
      messages: [{ role: "user", content: "Leases" }],
    });
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expected.push(
      chargeFor(price, {
        inputTokens: completion.usage?.prompt_tokens ?? 0,
        outputTokens: completion.usage?.completion_tokens ?? 0,
      }),
    );
    const total = expected.reduce((a, b) => a + b, 0n);

    // The books: the endpoint is owed by the gateway exactly what the gateway is owed by the buyer.
    expect(server.receiver?.owed(gatewayAddress)).toBe(total);

    // The endpoint's registrant redeems on-chain: exactly `total` moves to it.
    const token = net.deployment.paymentToken;
    const before = await getTokenBalance(net.publicClient, { deployment: net.deployment, token, account: provider });
    const redemptions = (await server.receiver?.redeem()) ?? [];
    expect(redemptions.map((r) => r.amount)).toEqual([total]);
    await net.publicClient.waitForTransactionReceipt({ hash: redemptions[0]?.hash as `0x${string}` });
    const after = await getTokenBalance(net.publicClient, { deployment: net.deployment, token, account: provider });
    expect(after - before).toBe(total);
    const upstream = await getChannel(net.publicClient, { deployment, payer: gatewayAddress, payee: provider });
    expect(upstream.redeemed).toBe(total);

    // The gateway redeems the buyer's vouchers: the same amount (fee 0), once.
    const gatewayRedemptions = await gateway.redeem();
    expect(gatewayRedemptions.map((r) => [r.payer, r.amount])).toEqual([[buyer, total]]);
    await net.publicClient.waitForTransactionReceipt({ hash: gatewayRedemptions[0]?.hash as `0x${string}` });
    const buyerChannel = await getChannel(net.publicClient, { deployment, payer: buyer, payee: gatewayAddress });
    expect(buyerChannel.redeemed).toBe(total);
  }, 120_000);
});
