import { marketplaceAbi, OcxContractError, ocxTokenAbi } from "@ocx/sdk";
import { encodeFunctionData, keccak256, parseEther } from "viem";
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
});
