// x402 payments end to end on a real anvil and the real PaymentChannels: a node:http paid endpoint, the paying
// fetch across several requests, exact redemption of what was charged, refusals with their reasons, the cap.
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Address, erc20Abi, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelsDeployment } from "../actions/channels/address.js";
import { depositToChannelSync } from "../actions/channels/depositToChannel.js";
import { getChannel } from "../actions/channels/getChannel.js";
import { redeemVoucher, redeemVoucherSync } from "../actions/channels/redeemVoucher.js";
import { requestChannelUnlock } from "../actions/channels/requestChannelUnlock.js";
import { withdrawFromChannel } from "../actions/channels/withdrawFromChannel.js";
import { startTestnet, type Testnet } from "../actions/testnet.test-fixture.js";
import { ensureAllowance } from "../actions/token/ensureAllowance.js";
import { OcxContractError } from "../errors.js";
import { paymentChannelsAbi } from "../generated/abis.js";
import { createPaymentFetch } from "./client.js";
import { withPayment } from "./middleware.js";
import {
  chargeFor,
  decodePaymentReceipt,
  encodePaymentHeader,
  findPaymentInSse,
  OcxPaymentError,
  PAYMENT_HEADER,
  PAYMENT_RESPONSE_HEADER,
  type PaymentPrice,
  type PaymentRequiredBody,
  paymentSseComment,
} from "./protocol.js";
import { createPaymentReceiver, type PaymentReceiver } from "./receiver.js";
import { signVoucher } from "./voucher.js";

const price: PaymentPrice = { perRequest: 100n, per1kInputTokens: 2_000n, per1kOutputTokens: 3_333n };

let net: Testnet;
let deployment: ChannelsDeployment & { paymentToken: Address };
let receiver: PaymentReceiver;
let server: Server;
let url: string;
let dir: string;
let served = 0;

/** A node:http server in front of a Fetch-API handler. */
function serve(handler: (request: Request) => Promise<Response>): Server {
  return createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      body: req.method === "GET" ? undefined : Buffer.concat(chunks),
    });
    const response = await handler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
}

beforeAll(async () => {
  net = await startTestnet();
  deployment = net.deployment as ChannelsDeployment & { paymentToken: Address };
  expect(deployment.paymentChannels).toBeDefined();
  dir = await mkdtemp(path.join(tmpdir(), "ocx-payments-"));
  receiver = await createPaymentReceiver({
    walletClient: net.wallet(2),
    publicClient: net.publicClient,
    deployment,
    store: path.join(dir, "payments.db"),
    price,
    minDeposit: 10_000n,
  });
  // Work of `input` tokens producing up to `maxOutput` tokens; it produces `output`.
  const paid = withPayment(
    receiver,
    {
      maxAmount: async (request) => {
        const body = (await request.clone().json()) as { input: number; maxOutput: number };
        return chargeFor(price, { inputTokens: body.input, outputTokens: body.maxOutput });
      },
      price,
    },
    async (request, { payment }) => {
      served++;
      const body = (await request.json()) as { input: number; output: number };
      payment.charge(chargeFor(price, { inputTokens: body.input, outputTokens: body.output }));
      return Response.json({ ok: true });
    },
  );
  // A stream whose cost is known only at its end: charged in a final `: ocx-payment` comment.
  const streamed = withPayment(receiver, { maxAmount: () => 500n, price }, async (_request, { payment, defer }) => {
    defer();
    served++;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const word of ["one", "two", "three"])
          controller.enqueue(encoder.encode(`data: ${JSON.stringify({ word })}\n\n`));
        controller.enqueue(encoder.encode(paymentSseComment(payment.charge(321n))));
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  server = serve((request) => (new URL(request.url).pathname === "/stream" ? streamed(request) : paid(request)));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/work`;
}, 120_000);

afterAll(async () => {
  server?.close();
  await receiver?.close();
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const post = (body: object, header?: string) =>
  fetch(url, {
    method: "POST",
    body: JSON.stringify(body),
    headers: header ? { [PAYMENT_HEADER]: header } : {},
  });

describe("x402 payments over PaymentChannels", () => {
  const requests = [
    { input: 7, maxOutput: 50, output: 1 },
    { input: 1234, maxOutput: 300, output: 299 },
    { input: 0, maxOutput: 10, output: 0 },
    { input: 999, maxOutput: 999, output: 998 },
    { input: 1, maxOutput: 1, output: 1 },
  ];
  const expected = requests.reduce(
    (sum, r) => sum + chargeFor(price, { inputTokens: r.input, outputTokens: r.output }),
    0n,
  );

  it("the fetch pays N requests and the receiver redeems exactly the sum charged", async () => {
    const payer = net.wallet(1);
    const pay = createPaymentFetch({ walletClient: payer, deployment, capTotal: 10n ** 18n, autoDeposit: 1_000_000n });
    for (const r of requests) {
      const response = await pay(url, { method: "POST", body: JSON.stringify(r) });
      expect(response.status).toBe(200);
      expect(decodePaymentReceipt(response.headers.get(PAYMENT_RESPONSE_HEADER))?.charged).toBe(
        chargeFor(price, { inputTokens: r.input, outputTokens: r.output }),
      );
    }
    expect(pay.spent()).toBe(expected);
    expect(receiver.owed(payer.account.address)).toBe(expected);
    expect(pay.remaining()).toBeLessThan(10n ** 18n - expected + 1n);

    const before = await net.publicClient.readContract({
      address: deployment.paymentToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [receiver.payee],
    });
    const redemptions = await receiver.redeem();
    expect(redemptions).toHaveLength(1);
    const receipt = await net.publicClient.getTransactionReceipt({ hash: redemptions[0]?.hash as `0x${string}` });
    const [event] = parseEventLogs({ abi: paymentChannelsAbi, logs: receipt.logs, eventName: "Redeemed" });
    // The gas a redemption costs, as a real transaction (cold storage, 21,000 base): docs/payments.md quotes it.
    console.log(`redeem gas (one payer, ${requests.length} requests): ${receipt.gasUsed}`);
    expect(receipt.gasUsed).toBeLessThan(100_000n);
    expect(event?.args).toMatchObject({
      payer: payer.account.address,
      payee: receiver.payee,
      amount: expected,
      cumulative: expected,
    });
    const after = await net.publicClient.readContract({
      address: deployment.paymentToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [receiver.payee],
    });
    expect(after - before).toBe(expected);
    expect(
      (await getChannel(net.publicClient, { deployment, payer: payer.account.address, payee: receiver.payee }))
        .redeemed,
    ).toBe(expected);
    // Nothing more is owed: a second redemption sends nothing.
    expect(await receiver.redeem()).toEqual([]);
  }, 60_000);

  it("a stream's charge is read from its final comment; the next request pays ahead without a 402", async () => {
    const payer = net.wallet(3);
    const pay = createPaymentFetch({ walletClient: payer, deployment, capTotal: 10n ** 18n, autoDeposit: 100_000n });
    const streamUrl = url.replace("/work", "/stream");
    const seen402: number[] = [];
    const counting = createPaymentFetch({
      walletClient: payer,
      deployment,
      capTotal: 10n ** 18n,
      autoDeposit: 100_000n,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (response.status === 402) seen402.push(response.status);
        return response;
      },
    });
    const first = await pay(streamUrl, { method: "POST", body: "{}" });
    const text = await first.text();
    expect(text).toContain("data: [DONE]");
    expect(findPaymentInSse(text)).toMatchObject({ charged: 321n, owed: 321n });
    expect(pay.spent()).toBe(321n);
    expect(pay.owed(receiver.payee)).toBe(321n);
    const second = await pay(streamUrl, { method: "POST", body: "{}" });
    await second.text();
    expect(pay.spent()).toBe(642n);
    expect(receiver.owed(payer.account.address)).toBe(642n);
    // A new fetch meets the payee with two 402s (the unpaid request's, then one to learn what this payer owes),
    // then pays ahead with no 402 at all.
    for (let i = 0; i < 3; i++) await (await counting(streamUrl, { method: "POST", body: "{}" })).text();
    expect(seen402).toHaveLength(2);
    expect(counting.spent()).toBe(963n);
    // Concurrent requests to one payee: each holds its maximum, none is refused for good, each is charged once.
    const batch = [
      { input: 10, maxOutput: 20, output: 5 },
      { input: 300, maxOutput: 40, output: 40 },
      { input: 1, maxOutput: 1, output: 0 },
      { input: 77, maxOutput: 77, output: 12 },
    ];
    const responses = await Promise.all(batch.map((r) => counting(url, { method: "POST", body: JSON.stringify(r) })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const batchCost = batch.reduce(
      (sum, r) => sum + chargeFor(price, { inputTokens: r.input, outputTokens: r.output }),
      0n,
    );
    expect(receiver.owed(payer.account.address)).toBe(321n * 5n + batchCost);
    expect(counting.spent()).toBe(963n + batchCost);
    const [redemption] = await receiver.redeem(payer.account.address);
    expect(redemption).toMatchObject({ amount: 321n * 5n + batchCost, cumulative: 321n * 5n + batchCost });
    const { gasUsed } = await net.publicClient.getTransactionReceipt({ hash: redemption?.hash as `0x${string}` });
    console.log(`redeem gas (a payee already holding the token, a new payer): ${gasUsed}`);
  }, 60_000);

  it("a receiver with a threshold redeems by itself after the charge that reaches it", async () => {
    const payee = net.wallet(4);
    const own = await createPaymentReceiver({
      walletClient: payee,
      publicClient: net.publicClient,
      deployment,
      store: ":memory:",
      redeemThreshold: 150n,
    });
    try {
      const handler = withPayment(own, { maxAmount: () => 100n }, () => Response.json({ ok: true }));
      // No sockets: the fetch calls the handler directly.
      const pay = createPaymentFetch({
        walletClient: net.wallet(1),
        deployment,
        capTotal: 10_000n,
        autoDeposit: 1_000n,
        fetch: async (input, init) => handler(new Request(input, init)),
      });
      const payer = net.wallet(1).account.address;
      const channelOf = () => getChannel(net.publicClient, { deployment, payer, payee: payee.account.address });
      expect((await pay("http://payee.test/x")).status).toBe(200);
      expect((await channelOf()).redeemed).toBe(0n); // 100 owed, below the threshold
      expect((await pay("http://payee.test/x")).status).toBe(200);
      for (let i = 0; i < 50 && (await channelOf()).redeemed !== 200n; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect((await channelOf()).redeemed).toBe(200n);
      expect(await own.redeem()).toEqual([]);
    } finally {
      await own.close();
    }
  }, 60_000);

  it("refuses a missing, forged, replayed or uncovered voucher with 402 and the reason, before any work", async () => {
    const runs = served;
    const payer = net.wallet(1).account.address;
    const body = { input: 1, maxOutput: 1, output: 1 };
    const max = chargeFor(price, { inputTokens: 1, outputTokens: 1 });
    const reason = async (response: Response) => {
      expect(response.status).toBe(402);
      return (await response.json()) as PaymentRequiredBody;
    };

    const missing = await reason(await post(body));
    expect(missing.reason).toBe("payment_required");
    expect(missing.accepts[0]).toMatchObject({
      scheme: "ocx-channel",
      payTo: receiver.payee,
      maxAmountRequired: max.toString(),
    });

    // Signed by account 3, claiming to be account 1.
    const forger = net.wallet(3);
    const forged = await signVoucher(forger, {
      domain: { chainId: receiver.chainId, channels: receiver.channels },
      voucher: { payer: forger.account.address, payee: receiver.payee, cumulativeAmount: expected + max },
    });
    const forgedHeader = encodePaymentHeader({
      chainId: receiver.chainId,
      payment: { voucher: { payer, payee: receiver.payee, cumulativeAmount: expected + max }, signature: forged },
    });
    expect((await reason(await post(body, forgedHeader))).reason).toBe("invalid_signature");

    // The payer's real voucher for what it already owes: a replay of a spent amount.
    const replay = await signVoucher(net.wallet(1), {
      domain: { chainId: receiver.chainId, channels: receiver.channels },
      voucher: { payer, payee: receiver.payee, cumulativeAmount: expected },
    });
    const replayed = await reason(
      await post(
        body,
        encodePaymentHeader({
          chainId: receiver.chainId,
          payment: { voucher: { payer, payee: receiver.payee, cumulativeAmount: expected }, signature: replay },
        }),
      ),
    );
    expect(replayed.reason).toBe("voucher_too_low");
    expect(replayed.accepts[0]?.owed).toBe(expected.toString());

    // Account 4 has no channel: its valid voucher is not covered on-chain.
    const poor = net.wallet(4);
    const uncovered = await signVoucher(poor, {
      domain: { chainId: receiver.chainId, channels: receiver.channels },
      voucher: { payer: poor.account.address, payee: receiver.payee, cumulativeAmount: max },
    });
    const insufficient = await reason(
      await post(
        body,
        encodePaymentHeader({
          chainId: receiver.chainId,
          payment: {
            voucher: { payer: poor.account.address, payee: receiver.payee, cumulativeAmount: max },
            signature: uncovered,
          },
        }),
      ),
    );
    expect(insufficient.reason).toBe("insufficient_channel_balance");
    expect(insufficient.error).toMatch(/covers 0 in all/);

    // Another chain's voucher.
    const otherChain = encodePaymentHeader({
      chainId: 1,
      payment: { voucher: { payer, payee: receiver.payee, cumulativeAmount: 1n }, signature: replay },
    });
    expect((await reason(await post(body, otherChain))).reason).toBe("wrong_network");
    expect((await reason(await post(body, "not base64 json"))).reason).toBe("invalid_payment");
    expect(served).toBe(runs);
  }, 60_000);

  it("a fetch past its cap throws before sending a payment", async () => {
    const runs = served;
    const pay = createPaymentFetch({ walletClient: net.wallet(1), deployment, capTotal: 50n });
    const error = await pay(url, { method: "POST", body: JSON.stringify({ input: 1, maxOutput: 1, output: 1 }) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OcxPaymentError);
    expect((error as OcxPaymentError).reason).toBe("cap_exceeded");
    expect((error as OcxPaymentError).shortMessage).toMatch(/above the cap 50 .*this request asks up to 106/);
    const perRequest = createPaymentFetch({
      walletClient: net.wallet(1),
      deployment,
      capTotal: 10n ** 18n,
      capPerRequest: 10n,
    });
    await expect(
      perRequest(url, { method: "POST", body: JSON.stringify({ input: 1, maxOutput: 1, output: 1 }) }),
    ).rejects.toThrow(/above the per-request cap 10/);
    expect(served).toBe(runs);
  }, 30_000);

  it("on-chain: a replayed redemption reverts; the unlock delay holds the rest back until it passes", async () => {
    const payer = net.wallet(1);
    const payee = net.wallet(2);
    // The receiver's stored voucher was already redeemed in full up to `expected`: the contract refuses it again.
    const voucher = { payer: payer.account.address, payee: payee.account.address, cumulativeAmount: expected };
    const signature = await signVoucher(payer, {
      domain: { chainId: receiver.chainId, channels: receiver.channels },
      voucher,
    });
    await expect(redeemVoucher(payee, { deployment, voucher, signature, amount: expected })).rejects.toThrow(
      /PaymentChannelsAlreadyRedeemed/,
    );
    await expect(redeemVoucher(payee, { deployment, voucher, signature, amount: expected })).rejects.toBeInstanceOf(
      OcxContractError,
    );

    const { event } = await requestChannelUnlock(payer, { deployment, payee: payee.account.address });
    await expect(withdrawFromChannel(payer, { deployment, payee: payee.account.address })).rejects.toThrow(
      /PaymentChannelsStillLocked/,
    );
    // During the delay the payee still redeems a newer voucher.
    const newer = { ...voucher, cumulativeAmount: expected + 1_000n };
    const newerSig = await signVoucher(payer, {
      domain: { chainId: receiver.chainId, channels: receiver.channels },
      voucher: newer,
    });
    const during = await redeemVoucherSync(payee, {
      deployment,
      voucher: newer,
      signature: newerSig,
      amount: expected + 1_000n,
    });
    expect(during.event.amount).toBe(1_000n);
    // The receiver serves nothing more on an unlocking channel (once its 2 s cache of the channel expires).
    await new Promise((r) => setTimeout(r, 2_100));
    const pay = createPaymentFetch({ walletClient: payer, deployment, capTotal: 10n ** 18n });
    const refused = await pay(url, { method: "POST", body: JSON.stringify({ input: 1, maxOutput: 1, output: 1 }) });
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as PaymentRequiredBody).reason).toBe("channel_unlocking");
    const state = await getChannel(net.publicClient, {
      deployment,
      payer: payer.account.address,
      payee: payee.account.address,
    });
    await net.mineAt(event.unlockAt);
    const withdrawn = await withdrawFromChannel(payer, { deployment, payee: payee.account.address });
    expect(withdrawn.event.amount).toBe(state.balance);
    const after = await getChannel(net.publicClient, {
      deployment,
      payer: payer.account.address,
      payee: payee.account.address,
    });
    expect(after).toMatchObject({ balance: 0n, unlockAt: 0n, redeemed: expected + 1_000n });

    // A fresh deposit reopens the channel; old vouchers stay spent.
    await ensureAllowance(payer, {
      deployment: { token: deployment.paymentToken },
      spender: receiver.channels,
      amount: 5_000n,
    });
    await depositToChannelSync(payer, { deployment, payee: payee.account.address, amount: 5_000n });
    await expect(
      redeemVoucher(payee, { deployment, voucher: newer, signature: newerSig, amount: expected + 1_000n }),
    ).rejects.toThrow(/PaymentChannelsAlreadyRedeemed/);
  }, 60_000);
});
