// Inference paid by vouchers, end to end on a real anvil with the real contracts: the official `openai` client
// (its only change: `fetch` is the SDK's payment-wrapped fetch, which adds the X-PAYMENT voucher, and its base URL
// is the gateway) streams a completion from the real tiny model served by @ocx/model-server, registered in the
// InferenceRegistry and found there by the gateway; then the endpoint's registrant and the gateway each redeem
// on-chain exactly what they were charged. (The server runs in this process here, not on a service lease.)
// Bill: buyer → gateway = gateway → endpoint = the endpoint's price on the usage it reported (fee 0).
import type { GatewayNode } from "@ocx/gateway";
import type { ModelServer } from "@ocx/model-server";
import { createCleanup, type Localnet, startLocalnet } from "@ocx/node-kit";
import {
  type ChannelsDeployment,
  chargeFor,
  getChannel,
  getTokenBalance,
  type PaymentPrice,
  writeDeployment,
} from "@ocx/sdk";
import type OpenAI from "openai";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openaiPaidBy, startRegisteredModelServer, startTestGateway, streamChat } from "./harness/inference.js";
import { makeTempDir } from "./harness/tempDir.js";

const price: PaymentPrice = { perRequest: 1_000n, per1kInputTokens: 2_000n, per1kOutputTokens: 5_000n };

describe("inference through the gateway, paid by vouchers", () => {
  let net: Localnet;
  let server: ModelServer;
  let gateway: GatewayNode;
  const cleanup = createCleanup();
  let deployment: ChannelsDeployment & Localnet["deployment"];
  let provider: Address;
  let gatewayAddress: Address;
  let buyer: Address;
  let openai: OpenAI;

  beforeAll(async () => {
    const { defer } = cleanup;
    net = await startLocalnet();
    defer(() => net.stop());
    deployment = net.deployment as typeof deployment;
    if (!deployment.paymentChannels) throw new Error("deployOcx did not deploy PaymentChannels");
    if (!net.deployment.inferenceRegistry) throw new Error("deployOcx did not deploy the InferenceRegistry");
    const dir = await makeTempDir("inference", defer);
    const deploymentFile = await writeDeployment(net.deployment, dir);
    provider = net.wallet(2).account.address;
    gatewayAddress = net.wallet(1).account.address;
    buyer = net.wallet(3).account.address;
    // The model server's operator registers it in the InferenceRegistry; the gateway finds it there.
    server = await startRegisteredModelServer({
      rpcUrl: net.anvil.rpcUrl,
      deploymentFile,
      key: net.key(2),
      dir,
      price,
      defer,
    });
    gateway = await startTestGateway({
      rpcUrl: net.anvil.rpcUrl,
      deploymentFile,
      dir,
      key: net.key(1),
      deadlineMs: 10_000,
      defer,
    });
    ({ openai } = openaiPaidBy({
      walletClient: net.wallet(3),
      publicClient: net.publicClient,
      deployment,
      baseURL: `${gateway.url}/v1`,
    }));
  }, 120_000);
  afterAll(() => cleanup.run());

  it("streams a completion from the model, and both sides redeem exactly what was charged", async () => {
    const found = gateway.table.all();
    expect(found.map((e) => [e.key, e.payee, e.url])).toEqual([["registry:1", provider, server.url]]);
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toContain(server.model.name);

    const expected: bigint[] = [];
    const { text, usage } = await streamChat(openai, server.model.name, "The provider node", 24);
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
