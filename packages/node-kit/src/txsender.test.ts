import http from "node:http";
import type { AddressInfo } from "node:net";
import { marketplaceAbi, OcxChainError, OcxContractError, ocxTokenAbi } from "@ocx/sdk";
import { createPublicClient, encodeFunctionData, http as httpTransport, keccak256, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Localnet, startLocalnet } from "./localnet.js";
import { createLogger } from "./logger.js";
import { openStore } from "./store.js";
import { createTxSender, TX_MIGRATION } from "./txsender.js";

const log = createLogger({ level: "error" });

describe("createTxSender (real anvil)", () => {
  let net: Localnet;
  beforeAll(async () => {
    net = await startLocalnet();
  });
  afterAll(async () => {
    await net?.stop();
  });

  const sender = (store = openStore(":memory:", [TX_MIGRATION])) => ({
    store,
    tx: createTxSender({ publicClient: net.publicClient, walletClient: net.wallet(5), store, log }),
  });
  const transfer = (amount: bigint) =>
    ({
      address: net.deployment.token,
      abi: ocxTokenAbi,
      functionName: "transfer",
      args: [net.wallet(6).account.address, amount],
    }) as const;
  const balance = () =>
    net.publicClient.readContract({
      address: net.deployment.token,
      abi: ocxTokenAbi,
      functionName: "balanceOf",
      args: [net.wallet(6).account.address],
    });

  it("sends once per key: a repeated key returns the first receipt and moves nothing", async () => {
    const { tx } = sender();
    const before = await balance();
    const first = await tx.write("pay:1", transfer(parseEther("1")));
    const again = await tx.write("pay:1", transfer(parseEther("1")));
    expect(again.transactionHash).toBe(first.transactionHash);
    expect(await balance()).toBe(before + parseEther("1"));
  });

  it("throws the decoded custom error of a revert, before signing anything", async () => {
    const { tx, store } = sender();
    const call = tx.write("ack:999", {
      address: net.deployment.marketplace,
      abi: marketplaceAbi,
      functionName: "acknowledge",
      args: [999n],
    });
    await expect(call).rejects.toBeInstanceOf(OcxContractError);
    await expect(call).rejects.toThrow(/MarketplaceUnknownLease\(999\)/);
    expect(store.prepare("SELECT count(*) AS n FROM tx").get()).toEqual({ n: 0 });
  });

  it("with simulated: true (an SDK action simulated just now) it does not simulate again, and still sends once", async () => {
    const methods: string[] = [];
    const counting = createPublicClient({
      chain: net.publicClient.chain,
      transport: httpTransport(net.anvil.rpcUrl, {
        onFetchRequest: async (request) => {
          const body = (await request.clone().json()) as { method: string } | { method: string }[];
          for (const call of Array.isArray(body) ? body : [body]) methods.push(call.method);
        },
      }),
    });
    const store = openStore(":memory:", [TX_MIGRATION]);
    const tx = createTxSender({ publicClient: counting as never, walletClient: net.wallet(5), store, log });
    const before = await balance();
    await tx.write("pay:simulated", transfer(parseEther("1")), { simulated: true });
    expect(methods).not.toContain("eth_call");
    expect(await balance()).toBe(before + parseEther("1"));
    methods.length = 0;
    await tx.write("pay:unsimulated", transfer(parseEther("1")));
    expect(methods).toContain("eth_call");
  });

  it("after a crash between signing and broadcasting, resume() sends the recorded transaction once", async () => {
    const { store } = sender();
    const before = await balance();
    // Sign and record like write() does, then "crash" before broadcasting.
    const wallet = net.wallet(5);
    const nonce = await net.publicClient.getTransactionCount({ address: wallet.account.address, blockTag: "pending" });
    const request = await wallet.prepareTransactionRequest({
      to: net.deployment.token,
      data: encodeFunctionData(transfer(parseEther("1"))),
      nonce,
    });
    const raw = await wallet.signTransaction(request as never);
    store
      .prepare("INSERT INTO tx (key, nonce, hash, raw, status, updated_at) VALUES (?, ?, ?, ?, 'sent', 0)")
      .run("pay:crash", nonce, keccak256(raw), raw);

    const restarted = createTxSender({ publicClient: net.publicClient, walletClient: wallet, store, log });
    await restarted.resume();
    const receipt = await restarted.write("pay:crash", transfer(parseEther("1")));
    expect(receipt.transactionHash).toBe(keccak256(raw));
    expect(await balance()).toBe(before + parseEther("1"));
    expect(store.prepare("SELECT status FROM tx WHERE key = 'pay:crash'").get()).toEqual({ status: "mined" });
  });

  /** An RPC in front of anvil that answers `failWith` to the first `failures` requests, then forwards. */
  const flakyRpc = async (failures: number, failWith: number) => {
    let seen = 0;
    const server = http.createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      seen++;
      if (seen <= failures) {
        response.writeHead(failWith).end("unavailable");
        return;
      }
      const answer = await fetch(net.anvil.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      });
      response.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      publicClient: createPublicClient({ chain: net.chain, transport: httpTransport(url, { retryCount: 0 }) }),
      requests: () => seen,
      close: () => new Promise((resolve) => server.close(resolve)),
    };
  };

  it("retries an RPC that answers 503 (retryable) and then sends once", async () => {
    const rpc = await flakyRpc(2, 503);
    try {
      const tx = createTxSender({
        publicClient: rpc.publicClient,
        walletClient: net.wallet(5),
        store: openStore(":memory:", [TX_MIGRATION]),
        log,
      });
      const before = await balance();
      await tx.write("pay:flaky", transfer(parseEther("1")));
      expect(await balance()).toBe(before + parseEther("1"));
      expect(rpc.requests()).toBeGreaterThan(2);
    } finally {
      await rpc.close();
    }
  });

  it("does not retry an RPC that refuses the request (HTTP 401): one attempt, an OcxChainError", async () => {
    const rpc = await flakyRpc(100, 401);
    try {
      const tx = createTxSender({
        publicClient: rpc.publicClient,
        walletClient: net.wallet(5),
        store: openStore(":memory:", [TX_MIGRATION]),
        log,
        retries: 5,
      });
      const call = tx.write("pay:refused", transfer(parseEther("1")));
      await expect(call).rejects.toBeInstanceOf(OcxChainError);
      await expect(call).rejects.toMatchObject({ retryable: false });
      expect(rpc.requests()).toBe(1);
    } finally {
      await rpc.close();
    }
  });
});
