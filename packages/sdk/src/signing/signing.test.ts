import { type Address, type Hex, hexToBigInt, isAddressEqual, numberToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { bodyHash } from "./bodyHash.js";
import { readRequestHeaders } from "./readRequestHeaders.js";
import { hashRequest, recoverRequestSigner } from "./recoverRequestSigner.js";
import { signAnswer } from "./signAnswer.js";
import { RequestSignatureError, signRequest } from "./signRequest.js";
import {
  OCX_ANSWER_SHA256_HEADER,
  OCX_ANSWER_SIGNATURE_HEADER,
  OCX_BODY_HASH_HEADER,
  OCX_LEASE_HEADER,
  OCX_NONCE_HEADER,
  OCX_SIGNATURE_HEADER,
  OCX_SIGNER_HEADER,
  OCX_TIMESTAMP_HEADER,
} from "./typedData.js";
import { AnswerSignatureError, verifyAnswer } from "./verifyAnswer.js";
import { StaleSignatureError, verifyFreshness } from "./verifyFreshness.js";

// anvil's first two well-known development keys.
const buyer = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
const other = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const marketplace: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const body = '{"name":"job"}';
const request = {
  chainId: 31337,
  marketplace,
  method: "PUT",
  path: "/leases/7/manifest",
  leaseId: 7n,
  body,
  timestamp: 1_700_000_000,
  nonce: "0x000102030405060708090a0b0c0d0e0f" as Hex,
};

describe("bodyHash", () => {
  it("is sha256 of the raw bytes, and of nothing for no body", () => {
    expect(bodyHash()).toBe("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(bodyHash("")).toBe(bodyHash());
    expect(bodyHash("abc")).toBe("0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(bodyHash(new TextEncoder().encode("abc"))).toBe(bodyHash("abc"));
  });
});

describe("signRequest and recoverRequestSigner", () => {
  const signed = signRequest({ account: buyer, ...request });

  async function recover(changes: Partial<typeof request> & { bodyHash?: Hex; signature?: Hex } = {}) {
    const headers = await signed;
    const { body: sent, ...rest } = { ...request, ...changes };
    return recoverRequestSigner({
      ...rest,
      bodyHash: changes.bodyHash ?? bodyHash(sent),
      signature: changes.signature ?? headers[OCX_SIGNATURE_HEADER],
    });
  }

  it("returns the lease, time and signature headers", async () => {
    const headers = await signed;
    expect(headers[OCX_LEASE_HEADER]).toBe("7");
    expect(headers[OCX_TIMESTAMP_HEADER]).toBe("1700000000");
    expect(headers[OCX_SIGNATURE_HEADER]).toMatch(/^0x[0-9a-f]{130}$/);
    expect(headers[OCX_NONCE_HEADER]).toBe(request.nonce);
    expect(headers[OCX_BODY_HASH_HEADER]).toBe(bodyHash(body));
    expect(headers[OCX_SIGNER_HEADER]).toBe(buyer.address);
    expect(Object.keys(headers).sort()).toEqual([
      "x-ocx-body-sha256",
      "x-ocx-lease",
      "x-ocx-nonce",
      "x-ocx-signature",
      "x-ocx-signer",
      "x-ocx-timestamp",
    ]);
  });

  it("round-trips to the buyer's address, whatever the method's case", async () => {
    expect(await recover()).toBe(buyer.address);
    expect(await recover({ method: "put" })).toBe(buyer.address);
  });

  it.each([
    ["method", { method: "POST" }],
    ["path", { path: "/leases/7/results" }],
    ["query", { path: "/leases/7/manifest?x=1" }],
    ["body", { body: '{"name":"jab"}' }],
    ["empty body", { body: "" }],
    ["lease", { leaseId: 8n }],
    ["timestamp", { timestamp: 1_700_000_001 }],
    ["nonce", { nonce: "0x0f0e0d0c0b0a09080706050403020100" as Hex }],
    ["chain", { chainId: 1 }],
    ["marketplace", { marketplace: "0x0000000000000000000000000000000000000001" as Address }],
  ])("recovers another address when the %s is tampered with", async (_, changes) => {
    const signer = await recover(changes);
    expect(isAddressEqual(signer, buyer.address)).toBe(false);
  });

  it("tells one signer from another", async () => {
    const headers = await signRequest({ account: other, ...request });
    expect(await recover({ signature: headers[OCX_SIGNATURE_HEADER] })).toBe(other.address);
  });

  it("signs the current time by default and bodyless requests", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { body: _, ...get } = { ...request, method: "GET", path: "/leases/7/logs?offset=10" };
    const headers = await signRequest({ account: buyer, ...get, timestamp: undefined, nonce: undefined });
    const timestamp = Number(headers[OCX_TIMESTAMP_HEADER]);
    expect(headers[OCX_NONCE_HEADER]).toMatch(/^0x[0-9a-f]{32}$/);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    const signer = await recoverRequestSigner({
      ...get,
      timestamp,
      nonce: headers[OCX_NONCE_HEADER],
      bodyHash: bodyHash(),
      signature: headers[OCX_SIGNATURE_HEADER],
    });
    expect(signer).toBe(buyer.address);
  });

  it("refuses a full URL as the path, bad methods and bad times, by name", async () => {
    await expect(signRequest({ account: buyer, ...request, path: "http://p/leases/7" })).rejects.toThrow(
      'path must start with "/" (the URL\'s path and query, not the whole URL), got "http://p/leases/7"',
    );
    await expect(signRequest({ account: buyer, ...request, method: "GET /" })).rejects.toThrow(RequestSignatureError);
    await expect(signRequest({ account: buyer, ...request, timestamp: 1.5 })).rejects.toThrow(
      /timestamp must be whole unix seconds/,
    );
    await expect(signRequest({ account: buyer, ...request, leaseId: -1n })).rejects.toThrow(
      /leaseId must be a uint256/,
    );
  });
});

/** The same signature in its other encodings: v as 0/1 instead of 27/28, and the mirror image (r, n − s, flipped v). */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
function reencode(signature: Hex) {
  const r = signature.slice(2, 66);
  const s = hexToBigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  const byte = (n: number) => n.toString(16).padStart(2, "0");
  return {
    vZeroOne: `0x${r}${signature.slice(66, 130)}${byte(v - 27)}` as Hex,
    highS: `0x${r}${numberToHex(N - s, { size: 32 }).slice(2)}${byte(v === 27 ? 28 : 27)}` as Hex,
  };
}

describe("request digests and malleable signatures", () => {
  it("names one request by its digest, whatever the signature's encoding, and changes with the nonce", async () => {
    const headers = await signRequest({ account: buyer, ...request });
    const { body: sent, ...rest } = request;
    const digest = hashRequest({ ...rest, bodyHash: bodyHash(sent) });
    expect(digest).toMatch(/^0x[0-9a-f]{64}$/);
    expect(hashRequest({ ...rest, bodyHash: bodyHash(sent), nonce: "0x0f0e0d0c0b0a09080706050403020100" })).not.toBe(
      digest,
    );
    // The v-rewritten encoding recovers the same buyer: replays must be keyed on the digest, not these bytes.
    const { vZeroOne } = reencode(headers[OCX_SIGNATURE_HEADER]);
    expect(vZeroOne).not.toBe(headers[OCX_SIGNATURE_HEADER]);
    expect(await recoverRequestSigner({ ...rest, bodyHash: bodyHash(sent), signature: vZeroOne })).toBe(buyer.address);
  });

  it("refuses the high-s mirror of a valid signature", async () => {
    const headers = await signRequest({ account: buyer, ...request });
    const { body: sent, ...rest } = request;
    const { highS } = reencode(headers[OCX_SIGNATURE_HEADER]);
    await expect(recoverRequestSigner({ ...rest, bodyHash: bodyHash(sent), signature: highS })).rejects.toThrow(
      /upper half of the curve order/,
    );
  });
});

describe("signAnswer and verifyAnswer", () => {
  const provider = other;
  const answer = { chainId: 31337, leaseId: 7n, route: "GET /leases/7", body: '{"phase":"running"}' };
  const now = 1_700_000_000;

  it("a provider's answer verifies against its apiSigner", async () => {
    const headers = await signAnswer({ account: provider, ...answer, timestamp: now });
    expect(headers[OCX_ANSWER_SHA256_HEADER]).toBe(bodyHash(answer.body));
    const verified = await verifyAnswer({ ...answer, apiSigner: provider.address, headers: { ...headers }, now });
    expect(verified).toMatchObject({ bodySha256: bodyHash(answer.body), timestamp: now });
    // A streamed answer: sign the hash, check the body's hash later.
    const streamed = await signAnswer({
      account: provider,
      ...answer,
      body: undefined,
      bodySha256: bodyHash("log"),
      timestamp: now,
    });
    expect(
      (await verifyAnswer({ ...answer, body: undefined, apiSigner: provider.address, headers: { ...streamed }, now }))
        .bodySha256,
    ).toBe(bodyHash("log"));
  });

  it.each([
    ["body", { body: '{"phase":"completed"}' }, /whose sha256 is/],
    ["lease", { leaseId: 8n }, /not signed by the provider's registered apiSigner/],
    ["route", { route: "GET /leases/7/results" }, /not signed by the provider's registered apiSigner/],
    ["chain", { chainId: 1 }, /not signed by the provider's registered apiSigner/],
  ])("fails when the %s changed", async (_, changes, message) => {
    const headers = await signAnswer({ account: provider, ...answer, timestamp: now });
    await expect(
      verifyAnswer({ ...answer, ...changes, apiSigner: provider.address, headers: { ...headers }, now }),
    ).rejects.toThrow(message);
  });

  it("fails for another key's signature, a missing signature and a stale answer", async () => {
    const forged = await signAnswer({ account: buyer, ...answer, timestamp: now });
    await expect(verifyAnswer({ ...answer, apiSigner: provider.address, headers: { ...forged }, now })).rejects.toThrow(
      `is not signed by the provider's registered apiSigner ${provider.address} (it recovers to ${buyer.address})`,
    );
    await expect(verifyAnswer({ ...answer, apiSigner: provider.address, headers: {}, now })).rejects.toThrow(
      AnswerSignatureError,
    );
    const headers = await signAnswer({ account: provider, ...answer, timestamp: now });
    await expect(
      verifyAnswer({ ...answer, apiSigner: provider.address, headers: { ...headers }, now: now + 301 }),
    ).rejects.toThrow(/301 s from this clock/);
    const { highS } = reencode(headers[OCX_ANSWER_SIGNATURE_HEADER]);
    await expect(
      verifyAnswer({
        ...answer,
        apiSigner: provider.address,
        headers: { ...headers, [OCX_ANSWER_SIGNATURE_HEADER]: highS },
        now,
      }),
    ).rejects.toThrow(/malformed signature/);
  });
});

describe("readRequestHeaders", () => {
  it("reads the signed headers from fetch Headers or a Node header object", async () => {
    const headers = await signRequest({ account: buyer, ...request });
    const expected = {
      leaseId: 7n,
      timestamp: 1_700_000_000,
      nonce: request.nonce,
      bodyHash: bodyHash(body),
      signer: buyer.address,
      signature: headers[OCX_SIGNATURE_HEADER],
    };
    expect(readRequestHeaders(new Headers(headers))).toEqual(expected);
    expect(readRequestHeaders({ ...headers, "X-OCX-Lease": undefined })).toEqual(expected);
  });

  it("names the header that is missing or malformed", () => {
    const good = { "x-ocx-lease": "7", "x-ocx-timestamp": "1700000000", "x-ocx-signature": `0x${"ab".repeat(65)}` };
    expect(() => readRequestHeaders({ ...good, "x-ocx-lease": "07" })).toThrow(
      'x-ocx-lease must be a lease id in decimal, got "07"',
    );
    expect(() => readRequestHeaders({ ...good, "x-ocx-timestamp": undefined })).toThrow(
      "x-ocx-timestamp must be unix seconds in decimal, got undefined",
    );
    expect(() => readRequestHeaders({ ...good, "x-ocx-signature": "0x12" })).toThrow(
      /x-ocx-signature must be a 65-byte/,
    );
    const nonce = { ...good, "x-ocx-nonce": "0x000102030405060708090a0b0c0d0e0f" };
    expect(() => readRequestHeaders(nonce)).toThrow("x-ocx-body-sha256 must be the body's sha256");
    expect(() => readRequestHeaders({ ...nonce, "x-ocx-body-sha256": bodyHash(), "x-ocx-signer": "me" })).toThrow(
      'x-ocx-signer must be the signing address in 0x-hex, got "me"',
    );
  });
});

describe("verifyFreshness", () => {
  it("accepts timestamps within the skew either way", () => {
    expect(() => verifyFreshness(1000, 1060)).not.toThrow();
    expect(() => verifyFreshness(1060, 1000)).not.toThrow();
    expect(() => verifyFreshness(1000, 1300, 300)).not.toThrow();
  });

  it("refuses old and future timestamps, naming both times", () => {
    expect(() => verifyFreshness(1_700_000_000, 1_700_000_061)).toThrow(StaleSignatureError);
    expect(() => verifyFreshness(1_700_000_000, 1_700_000_061)).toThrow(
      "request signed at 1700000000 (2023-11-14T22:13:20.000Z) is 61 s older than the provider's clock 1700000061 (2023-11-14T22:14:21.000Z); at most 60 s is allowed. Check the clock and sign again.",
    );
    expect(() => verifyFreshness(1_700_000_100, 1_700_000_000, 30)).toThrow(/is 100 s ahead of the provider's clock/);
    try {
      verifyFreshness(5, 500);
    } catch (error) {
      expect(error).toMatchObject({ timestamp: 5, now: 500, maxSkewSeconds: 60 });
    }
    expect(() => verifyFreshness(Number.NaN, 0)).toThrow(StaleSignatureError);
  });
});
