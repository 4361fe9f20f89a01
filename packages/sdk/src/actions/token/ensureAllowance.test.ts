// ensureAllowance approves once and then leaves a sufficient allowance alone; transfer and approve on a real anvil.
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNDED, startTestnet, type Testnet } from "../testnet.test-fixture.js";
import { approveSync } from "./approve.js";
import { ensureAllowance } from "./ensureAllowance.js";
import { getAllowance } from "./getAllowance.js";
import { getTokenBalance } from "./getTokenBalance.js";
import { transfer, transferSync } from "./transfer.js";

let net: Testnet;
beforeAll(async () => {
  net = await startTestnet();
});
afterAll(async () => {
  await net?.stop();
});

describe("ensureAllowance", () => {
  it("approves only when the allowance is too small", async () => {
    const { deployment, publicClient: client } = net;
    const owner = net.wallet(1);
    const nonce = () => client.getTransactionCount({ address: owner.account.address });
    const spender = deployment.marketplace;
    const start = await nonce();

    const first = await ensureAllowance(owner, { deployment, spender, amount: parseEther("5") });
    expect(first.approved).toBe(true);
    expect(first.allowance).toBe(parseEther("5"));
    expect(first.receipt?.status).toBe("success");
    expect(await nonce()).toBe(start + 1);

    const second = await ensureAllowance(owner, { deployment, spender, amount: parseEther("3") });
    expect(second).toEqual({ approved: false, allowance: parseEther("5"), receipt: undefined });
    expect(await nonce()).toBe(start + 1);

    const more = await ensureAllowance(owner, { deployment, spender, amount: parseEther("7") });
    expect(more.approved).toBe(true);
    expect(await getAllowance(client, { deployment, owner: owner.account.address, spender })).toBe(parseEther("7"));
    expect(await nonce()).toBe(start + 2);
  });
});

describe("approve and transfer", () => {
  it("return the Approval and Transfer events", async () => {
    const { deployment, publicClient: client } = net;
    const [from, to] = [net.wallet(3), net.wallet(4)];
    const approved = await approveSync(from, { deployment, spender: deployment.registry, value: 1n });
    expect(approved).toMatchObject({
      eventName: "Approval",
      event: { owner: from.account.address, spender: deployment.registry, value: 1n },
    });
    const sent = await transferSync(from, { deployment, to: to.account.address, value: parseEther("1") });
    expect(sent.event).toEqual({ from: from.account.address, to: to.account.address, value: parseEther("1") });
    expect(await getTokenBalance(client, { deployment, account: to.account.address })).toBe(FUNDED + parseEther("1"));
  });

  it("decode the token's errors", async () => {
    const { deployment } = net;
    const from = net.wallet(3);
    const balance = await getTokenBalance(net.publicClient, { deployment, account: from.account.address });
    await expect(
      transfer(from, { deployment, to: net.wallet(4).account.address, value: balance + 1n }),
    ).rejects.toMatchObject({
      name: "OcxContractError",
      errorName: "ERC20InsufficientBalance",
      args: [from.account.address, balance, balance + 1n],
    });
  });
});
