// Every way a request to the provider's API can be wrong: each gets its status and a JSON body
// that says what was wrong, and none of them changes the lease or runs anything.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { createProviderClient, signRequest } from "@ocx/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUYER, buyer, firstOfferId, type Market, PROVIDER, startMarket } from "./harness.js";

const PRICE = 10n ** 15n;
const DATA = "the buyer's input\n";
const JOB = `
version: 1
name: guarded
command: "cat data.txt; mkdir -p out; echo ran > out/ran.txt"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
inputs: [{ path: data.txt, source: data.txt }]
outputs: [out]
maxDuration: 10m
`;
const OTHER = 3;

describe("provider API refusals", () => {
  let market: Market;
  let leaseId: bigint;
  let json: string;
  let hash: `0x${string}`;
  let b: ReturnType<typeof buyer>;

  beforeAll(async () => {
    market = await startMarket();
    // A 1 MiB upload limit, to test it without moving much data.
    await market.node.close();
    market.config.api.maxUploadMiB = 1;
    await market.restart();
    b = buyer(market);
    await b.approve();
    ({ json, hash } = await b.manifest(JOB, { "data.txt": DATA }));
    leaseId = await b.take(await firstOfferId(market), hash, PRICE * 600n);
    await b.waitFor(leaseId, ["acknowledged"]);
  });
  afterAll(async () => {
    await market?.stop();
  });

  /** Sends a request signed by anvil account `signer` (the buyer by default), with overrides. */
  async function send(
    method: string,
    route: string,
    options: {
      body?: Uint8Array | string;
      signer?: number;
      lease?: bigint;
      timestamp?: number;
      headers?: Record<string, string>;
      unsigned?: boolean;
    } = {},
  ) {
    const lease = options.lease ?? leaseId;
    const pathname = `/leases/${lease}${route}`;
    const signed = options.unsigned
      ? {}
      : await signRequest({
          account: privateKeyToAccount(market.net.key(options.signer ?? BUYER)),
          chainId: market.net.deployment.chainId,
          marketplace: market.net.deployment.marketplace,
          method,
          path: pathname,
          leaseId: lease,
          ...(options.body !== undefined ? { body: options.body } : {}),
          ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
        });
    const headers = { ...signed, ...options.headers };
    const response = await fetch(`${market.node.url}${pathname}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    const text = await response.text();
    expect(response.headers.get("content-type"), text).toMatch(/application\/json/);
    return { status: response.status, body: JSON.parse(text) as { error: string } & Record<string, unknown>, headers };
  }

  /** The lease is untouched: still waiting for its manifest, nothing in its job folder. */
  async function untouched() {
    const status = await send("GET", "");
    expect(status.body.phase).toBe("acknowledged");
    const jobDir = path.join(market.config.stateDir, "jobs", leaseId.toString());
    expect(existsSync(jobDir) ? readdirSync(jobDir) : []).toEqual([]);
  }

  it("401 without signature headers", async () => {
    const r = await send("GET", "", { unsigned: true });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatch(/missing or malformed signature.*x-ocx-lease/);
    const put = await send("PUT", "/manifest", { unsigned: true, body: json });
    expect(put.status).toBe(401);
    await untouched();
  });

  it("401 for a malformed or unrecoverable signature", async () => {
    const short = await send("GET", "", { headers: { "x-ocx-signature": "0x1234" } });
    expect(short.status).toBe(401);
    expect(short.body.error).toMatch(/x-ocx-signature must be a 65-byte signature/);
    const garbage = await send("GET", "", { headers: { "x-ocx-signature": `0x${"ff".repeat(65)}` } });
    expect(garbage.status).toBe(401);
    expect(garbage.body.error).toMatch(/^bad signature or body hash/);
    const badNonce = await send("GET", "", { headers: { "x-ocx-nonce": "0x01" } });
    expect(badNonce.status).toBe(401);
    expect(badNonce.body.error).toMatch(/x-ocx-nonce must be 16 bytes/);
    const badTime = await send("GET", "", { headers: { "x-ocx-timestamp": "soon" } });
    expect(badTime.status).toBe(401);
    expect(badTime.body.error).toMatch(/x-ocx-timestamp must be unix seconds/);
    await untouched();
  });

  it("401 for a stale signature", async () => {
    const old = Math.floor(Date.now() / 1000) - market.config.api.maxSignatureAgeSeconds - 30;
    const r = await send("GET", "", { timestamp: old });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatch(/old|stale|expired/i);
    const manifest = await send("PUT", "/manifest", { timestamp: old, body: json });
    expect(manifest.status).toBe(401);
    await untouched();
  });

  it("401 for a replayed signature", async () => {
    const first = await send("GET", "");
    expect(first.status).toBe(200);
    const response = await fetch(`${market.node.url}/leases/${leaseId}`, { headers: first.headers });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/already made once/);
    // Replaying a refused upload does not get it through either.
    const body = "not the manifest";
    const upload = await send("PUT", "/manifest", { body });
    expect(upload.status).toBe(400);
    const again = await fetch(`${market.node.url}/leases/${leaseId}/manifest`, {
      method: "PUT",
      headers: upload.headers,
      body,
    });
    expect(again.status).toBe(401);
    await untouched();
  });

  it("401 when the signed lease and the path's lease differ", async () => {
    const headers = await signRequest({
      account: privateKeyToAccount(market.net.key(BUYER)),
      chainId: market.net.deployment.chainId,
      marketplace: market.net.deployment.marketplace,
      method: "GET",
      path: `/leases/${leaseId}`,
      leaseId: leaseId + 100n,
    });
    const response = await fetch(`${market.node.url}/leases/${leaseId}`, { headers });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/signature is for lease/);
  });

  it("403 naming the buyer and the signer when someone else signs", async () => {
    const other = privateKeyToAccount(market.net.key(OTHER)).address;
    for (const route of ["", "/logs", "/results"]) {
      const r = await send("GET", route, { signer: OTHER });
      expect(r.status, route).toBe(403);
      expect(r.body.buyer).toBe(b.account.address);
      expect(r.body.signer).toBe(other);
      expect(r.body.error).toContain(b.account.address);
      expect(r.body.error).toContain(other);
    }
    const manifest = await send("PUT", "/manifest", { signer: OTHER, body: json });
    expect(manifest.status).toBe(403);
    const start = await send("POST", "/start", { signer: OTHER, body: "" });
    expect(start.status).toBe(403);
    // A signature over one request does not authorize another: a tampered path is a bad signature (401).
    const signed = await signRequest({
      account: b.account,
      chainId: market.net.deployment.chainId,
      marketplace: market.net.deployment.marketplace,
      method: "GET",
      path: `/leases/${leaseId}/logs`,
      leaseId,
    });
    const tampered = await fetch(`${market.node.url}/leases/${leaseId}/results`, { headers: signed });
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { error: string }).error).toMatch(/^bad signature or body hash/);
    await untouched();
  });

  it("404 for a lease this provider does not have", async () => {
    const r = await send("GET", "", { lease: 999n });
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/lease 999 is not a lease of this provider/);
  });

  it("400 with both hashes for a manifest that is not the lease's", async () => {
    const { json: otherJson, hash: otherHash } = await b.manifest(JOB.replace("guarded", "swapped"), {
      "data.txt": DATA,
    });
    const r = await send("PUT", "/manifest", { body: otherJson });
    expect(r.status).toBe(400);
    expect(r.body.expected).toBe(hash);
    expect(r.body.got).toBe(otherHash);
    expect(r.body.error).toMatch(/does not match the hash recorded in the lease/);
    await untouched();
  });

  it("409 when starting before the manifest, and before every input is uploaded (listing what is missing)", async () => {
    const early = await send("POST", "/start", { body: "" });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatch(/upload the manifest/);
    const input = await send("PUT", "/inputs/data.txt", { body: DATA });
    expect(input.status).toBe(409);
    expect(input.body.error).toMatch(/upload the manifest before its inputs/);

    await b.client.uploadManifest(leaseId, json);
    const r = await send("POST", "/start", { body: "" });
    expect(r.status).toBe(409);
    expect(r.body.missing).toEqual(["data.txt"]);
    expect(r.body.error).toMatch(/missing: data\.txt/);
    expect((await send("GET", "")).body.phase).toBe("acknowledged");
  });

  it("400 for an input that is not in the manifest, or whose sha256 differs from it", async () => {
    const stranger = await send("PUT", "/inputs/other.txt", { body: "x" });
    expect(stranger.status).toBe(400);
    expect(stranger.body.inputs).toEqual(["data.txt"]);

    const forged = DATA.replace("buyer", "BUYER"); // same size, other bytes
    const r = await send("PUT", "/inputs/data.txt", { body: forged });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/"data.txt" does not match its sha256/);
    expect(typeof r.body.expected).toBe("string");
    expect(r.body.got).not.toBe(r.body.expected);
    const jobDir = path.join(market.config.stateDir, "jobs", leaseId.toString());
    expect(existsSync(jobDir) ? readdirSync(jobDir) : []).toEqual([]);
  });

  it("401 'bad signature or body hash' for a body that is not the one signed, and nothing is kept", async () => {
    const signed = await signRequest({
      account: b.account,
      chainId: market.net.deployment.chainId,
      marketplace: market.net.deployment.marketplace,
      method: "PUT",
      path: `/leases/${leaseId}/inputs/data.txt`,
      leaseId,
      body: DATA,
    });
    const response = await fetch(`${market.node.url}/leases/${leaseId}/inputs/data.txt`, {
      method: "PUT",
      headers: signed,
      body: DATA.replace("buyer", "BUYER"),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^bad signature or body hash: the body's sha256/,
    );
    const jobDir = path.join(market.config.stateDir, "jobs", leaseId.toString());
    expect(existsSync(jobDir) ? readdirSync(jobDir) : []).toEqual([]);
  });

  it("413 for an upload above api.maxUploadMiB", async () => {
    const big = new Uint8Array(1024 * 1024 + 1);
    const r = await send("PUT", "/inputs/data.txt", { body: big });
    expect(r.status).toBe(413);
    expect(r.body.limit).toBe(1024 * 1024);
    expect(r.body.error).toMatch(/larger than this provider's limit/);
    const jobDir = path.join(market.config.stateDir, "jobs", leaseId.toString());
    expect(existsSync(jobDir) ? readdirSync(jobDir) : []).toEqual([]);
  });

  it("nothing ran: after all of that the lease still waits, and the right uploads still work", async () => {
    expect((await send("GET", "")).body.phase).toBe("acknowledged");
    const results = await send("GET", "/results");
    expect(results.status).toBe(409);
    expect(results.body.phase).toBe("acknowledged");

    await b.client.uploadInput(leaseId, "data.txt", new TextEncoder().encode(DATA));
    await b.client.start(leaseId);
    const done = await b.waitFor(leaseId, ["completed"]);
    expect(done.exitCode).toBe(0);
    let stdout = "";
    for await (const chunk of b.client.logs(leaseId)) stdout += new TextDecoder().decode(chunk);
    expect(stdout).toBe(DATA);
    // Every answer is signed by the provider's apiSigner as registered on-chain, and checked.
    const verifying = createProviderClient({
      url: market.node.url,
      account: b.account,
      chainId: market.net.deployment.chainId,
      marketplace: market.net.deployment.marketplace,
      apiSigner: {
        client: market.net.publicClient,
        deployment: market.net.deployment,
        provider: privateKeyToAccount(market.net.key(PROVIDER)).address,
      },
    });
    expect((await verifying.status(leaseId)).phase).toBe("completed");
    let verified = "";
    for await (const chunk of verifying.logs(leaseId)) verified += new TextDecoder().decode(chunk);
    for await (const chunk of verifying.logs(leaseId, { follow: true })) verified += new TextDecoder().decode(chunk);
    expect(verified).toBe(DATA + DATA);
    expect((await verifying.results(leaseId)).sha256).toBe(done.resultHash);
    const wary = createProviderClient({
      url: market.node.url,
      account: b.account,
      chainId: market.net.deployment.chainId,
      marketplace: market.net.deployment.marketplace,
      apiSigner: privateKeyToAccount(market.net.key(OTHER)).address,
    });
    await expect(wary.status(leaseId)).rejects.toThrow(/fails its signature check/);
    // Logs and results stay the buyer's alone.
    expect((await send("GET", "/logs", { signer: OTHER })).status).toBe(403);
    expect((await send("GET", "/results", { signer: OTHER })).status).toBe(403);
  });
});
