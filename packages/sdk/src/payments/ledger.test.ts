// The payee's authorization for a key-free server's books: accepted once when fresh and signed by the payee; a stale
// or future time, a replay, another signer and a malformed header are refused with the reason.
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { describe, expect, it } from "vitest";
import { createPayeeAuthVerifier, PAYEE_AUTH_MAX_SKEW_SECONDS, signPayeeAuth } from "./ledger.js";

const wallet = (key: `0x${string}`) =>
  createWalletClient({ chain: foundry, account: privateKeyToAccount(key), transport: http("http://127.0.0.1:1") });
const payee = wallet("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const stranger = wallet("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

describe("payee authorization", () => {
  const now = 1_800_000_000;
  const verify = () => createPayeeAuthVerifier(payee.account.address, { now: () => now });

  it("accepts a fresh signature of the payee once, and refuses its replay", async () => {
    const check = verify();
    const header = await signPayeeAuth(payee, now - 5);
    expect(await check(header)).toBeUndefined();
    expect(await check(header)).toMatch(/used already/);
    expect(await check(await signPayeeAuth(payee, now))).toBeUndefined();
    // Two reads in the same second sign different texts (their nonces), so both pass.
    expect(await check(await signPayeeAuth(payee, now))).toBeUndefined();
  });

  it("refuses a stale or future time, another signer, and a malformed header", async () => {
    const check = verify();
    const skew = PAYEE_AUTH_MAX_SKEW_SECONDS;
    expect(await check(await signPayeeAuth(payee, now - skew - 1))).toMatch(/fresh one/);
    expect(await check(await signPayeeAuth(payee, now + skew + 1))).toMatch(/fresh one/);
    expect(await check(await signPayeeAuth(stranger, now))).toMatch(/not the payee's/);
    expect(await check(undefined)).toMatch(/Authorization: OCX-Payee/);
    expect(await check(`OCX-Payee ${now}.0x1234`)).toMatch(/Authorization: OCX-Payee/);
    // A signature over another time or another nonce does not pass for this one.
    const [, nonce, other] = (await signPayeeAuth(payee, now - 1)).split(".");
    expect(await check(`OCX-Payee ${now}.${nonce}.${other}`)).toMatch(/not the payee's/);
    const signed = (await signPayeeAuth(payee, now, "0123456789abcdef")).split(".")[2];
    expect(await check(`OCX-Payee ${now}.fedcba9876543210.${signed}`)).toMatch(/not the payee's/);
  });
});
