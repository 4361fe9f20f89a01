// The API's authentication and signed answers at the HTTP level (Hono's app.request, no socket):
// signatures are decided from the headers before any body byte is read, a request is accepted
// once whatever its signature's encoding, a tampered body is a bad signature (401) and not a
// stranger (403), and every 2xx answer is signed by the provider's apiSigner.

import { appendFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createMetrics } from "@ocx/node-kit";
import {
  bodyHash,
  createProviderClient,
  type Deployment,
  OCX_ANSWER_SIGNATURE_HEADER,
  OcxProviderError,
  ProviderApiError,
  type ProviderQuote,
  signRequest,
  verifyAnswer,
} from "@ocx/sdk";
import { type Hex, hexToBigInt, numberToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../src/api/server.js";
import type { LeaseService } from "../src/leases/service.js";
import { ProviderStore } from "../src/leases/store.js";

// anvil's well-known development keys: provider, buyer, stranger.
const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const buyer = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const stranger = privateKeyToAccount("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
const deployment: Deployment = {
  chainId: 31337,
  startBlock: 0,
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  paymentToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  registry: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
  marketplace: "0x9fe46736679d2d9a65f0992f2272de9f8c7fa6e0",
  deployer: "0xf39Fd6e51aad88F6F4Ce6aB8827279cffFb92266",
};
const LEASE = 7n;
const URL_BASE = "http://provider.test";
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A lease service that keeps what the API hands it, standing in for the node's lifecycle. */
function recordingLeases(dir: string) {
  const received = { manifests: [] as Uint8Array[], inputs: [] as { path: string; bytes: number }[] };
  const files = (id: bigint) => ({
    root: dir,
    jobDir: path.join(dir, "job"),
    stdout: path.join(dir, `${id}.stdout`),
    stderr: path.join(dir, `${id}.stderr`),
    exit: path.join(dir, `${id}.exit`),
    results: path.join(dir, `${id}.results`),
  });
  const service = {
    async acceptManifest(_id: bigint, body: Uint8Array) {
      received.manifests.push(body);
      return { inputs: [{ path: "data.bin" }] };
    },
    async acceptInput(_id: bigint, relative: string, body: AsyncIterable<Uint8Array>) {
      // Like the node's: stream to a partial file, keep it only when the stream ends well.
      let bytes = 0;
      for await (const chunk of body) bytes += chunk.byteLength;
      received.inputs.push({ path: relative, bytes });
    },
    async start() {
      return { phase: "running", message: "started" };
    },
    async statusOf(id: bigint) {
      return { id: id.toString(), phase: "running", message: "running", buyer: buyer.address };
    },
    files,
    /** A batch lease's log: the job's stream (this fake runs no services). */
    logFile: (id: bigint, stream: "stdout" | "stderr") => files(id)[stream],
  };
  return { service: service as unknown as LeaseService, received, files };
}

describe("provider API authentication and signed answers (app.request)", () => {
  let dir: string;
  let store: ProviderStore;
  let leases: ReturnType<typeof recordingLeases>;
  let app: ReturnType<typeof createApi>;
  const quotes: { offerId: bigint; buyer: string; manifestHash: Hex }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ocx-api-auth-"));
    store = new ProviderStore(path.join(dir, "state.db"));
    store.insertLease({
      id: LEASE,
      buyer: buyer.address,
      offerId: 1n,
      requestId: 0n,
      pricePerSecond: 10n,
      deposit: 1000n,
      manifestHash: `0x${"11".repeat(32)}`,
      ackDeadline: 0,
    });
    leases = recordingLeases(dir);
    await mkdir(path.join(dir, "job"), { recursive: true });
    app = createApi({
      deployment,
      store,
      leases: leases.service,
      metrics: createMetrics("ocx_test_"),
      maxUploadBytes: 1024 * 1024,
      maxSignatureAgeSeconds: 60,
      findLease: async (id) => store.getLease(id),
      status: async () => ({}),
      notReady: async () => [],
      answerSigner: provider,
      quote: async (offerId, who, manifestHash): Promise<{ quote: ProviderQuote; signature: Hex }> => {
        quotes.push({ offerId, buyer: who, manifestHash });
        return {
          quote: { offerId, buyer: who, pricePerSecond: 5n, manifestHash, nonce: 9n, expiry: 2n ** 40n },
          signature: `0x${"ab".repeat(65)}`,
        };
      },
    });
  });
  afterAll(() => store?.close());

  async function signed(
    method: string,
    route: string,
    options: { body?: Uint8Array | string; account?: typeof buyer; lease?: bigint } = {},
  ) {
    const lease = options.lease ?? LEASE;
    return signRequest({
      account: options.account ?? buyer,
      chainId: deployment.chainId,
      marketplace: deployment.marketplace,
      method,
      path: route,
      leaseId: lease,
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
  }

  const send = (method: string, route: string, headers: Record<string, string>, body?: RequestInit["body"]) =>
    app.request(new Request(`${URL_BASE}${route}`, { method, headers, ...(body !== undefined ? { body } : {}) }));

  /** A body stream that counts how many bytes the server pulled from it. */
  function countedBody(total: number) {
    const state = { pulled: 0 };
    const chunk = new Uint8Array(64 * 1024);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.pulled >= total) return controller.close();
        state.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, state };
  }

  /** The same signature with v as 0/1, and its high-s mirror (r, n − s, flipped v). */
  function reencode(signature: Hex) {
    const r = signature.slice(2, 66);
    const s = hexToBigInt(`0x${signature.slice(66, 130)}`);
    const v = Number.parseInt(signature.slice(130), 16);
    const byte = (n: number) => n.toString(16).padStart(2, "0");
    return {
      vZeroOne: `0x${r}${signature.slice(66, 130)}${byte(v - 27)}`,
      highS: `0x${r}${numberToHex(N - s, { size: 32 }).slice(2)}${byte(v === 27 ? 28 : 27)}`,
    };
  }

  it("decides a stranger's or a forger's upload from its headers, reading almost none of its 64 MiB body", async () => {
    const route = `/leases/${LEASE}/inputs/data.bin`;
    // Valid-looking headers from someone who is not the buyer, claiming the body's hash.
    const strangers = await signed("PUT", route, { account: stranger, body: "x" });
    const forged = { ...(await signed("PUT", route, { body: "x" })), "x-ocx-signature": `0x${"11".repeat(65)}` };
    for (const [headers, status] of [
      [strangers, 403],
      [forged, 401],
      [{}, 401],
    ] as const) {
      const { stream, state } = countedBody(64 * 1024 * 1024);
      const response = await app.request(
        new Request(`${URL_BASE}${route}`, {
          method: "PUT",
          headers,
          body: stream,
          duplex: "half",
        } as RequestInit),
      );
      expect(response.status).toBe(status);
      expect(response.headers.get("connection")).toBe("close");
      // At most what a stream buffers before anyone reads it.
      expect(state.pulled).toBeLessThanOrEqual(128 * 1024);
    }
    expect(leases.received.inputs).toEqual([]);
  });

  it("413 for a Content-Length above the route's limit, before authentication", async () => {
    const route = `/leases/${LEASE}/inputs/data.bin`;
    const response = await send("PUT", route, { "content-length": String(1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { limit: number }).limit).toBe(1024 * 1024);
    const manifest = await send("PUT", `/leases/${LEASE}/manifest`, { "content-length": String(300 * 1024) });
    expect(manifest.status).toBe(413);
    expect(await manifest.text()).toMatch(/limit of 262144 bytes/);
  });

  it("401 'bad signature or body hash' for a tampered body, and nothing is kept", async () => {
    const route = `/leases/${LEASE}/inputs/data.bin`;
    const headers = await signed("PUT", route, { body: "the buyer's bytes" });
    const response = await send("PUT", route, headers, "the attacker's!!");
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: string; signed: string; got: string };
    expect(body.error).toMatch(/^bad signature or body hash: the body's sha256 is 0x/);
    expect(body.signed).toBe(bodyHash("the buyer's bytes"));
    expect(body.got).toBe(bodyHash("the attacker's!!"));
    expect(leases.received.inputs).toEqual([]);
    // A tampered manifest, too.
    const manifestHeaders = await signed("PUT", `/leases/${LEASE}/manifest`, { body: "{}" });
    const manifest = await send("PUT", `/leases/${LEASE}/manifest`, manifestHeaders, '{"x":1}');
    expect(manifest.status).toBe(401);
    expect(leases.received.manifests).toEqual([]);
  });

  it("401 (not 403 naming a meaningless address) for a tampered path, hash or signature", async () => {
    const headers = await signed("GET", `/leases/${LEASE}/logs`);
    const path = await send("GET", `/leases/${LEASE}/results`, headers);
    expect(path.status).toBe(401);
    expect(((await path.json()) as { error: string }).error).toMatch(/^bad signature or body hash/);
    const other = await signed("GET", `/leases/${LEASE}`);
    const hash = await send("GET", `/leases/${LEASE}`, { ...other, "x-ocx-body-sha256": bodyHash("x") });
    expect(hash.status).toBe(401);
  });

  it("403 naming both for a valid signature by someone who is not the lease's buyer", async () => {
    const response = await send(
      "GET",
      `/leases/${LEASE}`,
      await signed("GET", `/leases/${LEASE}`, { account: stranger }),
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ buyer: buyer.address, signer: stranger.address });
  });

  it("accepts a signed request once, whatever its signature's encoding (v rewritten, high s)", async () => {
    const route = `/leases/${LEASE}`;
    const headers = await signed("GET", route);
    expect((await send("GET", route, headers)).status).toBe(200);
    const { vZeroOne, highS } = reencode(headers["x-ocx-signature"]);
    const again = await send("GET", route, { ...headers, "x-ocx-signature": vZeroOne });
    expect(again.status).toBe(401);
    expect(await again.text()).toMatch(/already made once/);
    // The mirror is refused on sight, even for a request never made.
    const fresh = await signed("GET", route);
    const mirrored = await send("GET", route, {
      ...fresh,
      "x-ocx-signature": reencode(fresh["x-ocx-signature"]).highS,
    });
    expect(mirrored.status).toBe(401);
    expect(await mirrored.text()).toMatch(/upper half of the curve order/);
    const mirroredUsed = await send("GET", route, { ...headers, "x-ocx-signature": highS });
    expect(mirroredUsed.status).toBe(401);
    // The fresh request in its v-rewritten form is still accepted once: it was never made.
    const first = await send("GET", route, {
      ...fresh,
      "x-ocx-signature": reencode(fresh["x-ocx-signature"]).vZeroOne,
    });
    expect(first.status).toBe(200);
    expect((await send("GET", route, fresh)).status).toBe(401);
  });

  it("signs its answers: a good answer verifies, a changed body or another key does not", async () => {
    const route = `/leases/${LEASE}`;
    const response = await send("GET", route, await signed("GET", route));
    expect(response.status).toBe(200);
    const body = new Uint8Array(await response.arrayBuffer());
    const check = (changes: { body?: Uint8Array; apiSigner?: `0x${string}` } = {}) =>
      verifyAnswer({
        chainId: deployment.chainId,
        apiSigner: changes.apiSigner ?? provider.address,
        leaseId: LEASE,
        route: `GET ${route}`,
        headers: response.headers,
        body: changes.body ?? body,
      });
    await expect(check()).resolves.toMatchObject({ bodySha256: bodyHash(body) });
    const changed = new TextEncoder().encode(new TextDecoder().decode(body).replace("running", "finished"));
    await expect(check({ body: changed })).rejects.toThrow(/whose sha256 is/);
    await expect(check({ apiSigner: stranger.address })).rejects.toThrow(
      /not signed by the provider's registered apiSigner/,
    );
    // Refusals are not signed: a stranger cannot make the node sign for him.
    const refused = await send("GET", route, {});
    expect(refused.headers.get(OCX_ANSWER_SIGNATURE_HEADER)).toBeNull();
  });

  it("signs a log read over its bytes, a log range's digest, and the results' sha256; the client checks them", async () => {
    const { stdout, results } = leases.files(LEASE);
    await writeFile(stdout, "line one\nline two\n");
    await writeFile(results, "not really a gzip");
    const client = createProviderClient({
      url: URL_BASE,
      account: buyer,
      chainId: deployment.chainId,
      marketplace: deployment.marketplace,
      apiSigner: provider.address,
      fetch: async (input, init) => app.request(input as string, init),
    });
    let read = "";
    for await (const chunk of client.logs(LEASE, { offset: 5 })) read += new TextDecoder().decode(chunk);
    expect(read).toBe("one\nline two\n");
    expect((await client.status(LEASE)).phase).toBe("running");
    // Results are not ready in the store: 409 from the API.
    const early = await client.results(LEASE).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ProviderApiError);
    expect(early).toBeInstanceOf(OcxProviderError);
    expect(early).toMatchObject({
      status: 409,
      retryable: false,
      exitCode: 5,
      url: URL_BASE,
      body: { phase: "pending" },
    });
    expect((early as Error).message).toMatch(/results of lease 7 are not ready/);
    store.updateLease(LEASE, { resultHash: bodyHash("not really a gzip") });
    expect((await client.results(LEASE)).sha256).toBe(bodyHash("not really a gzip"));
    // Bytes that are not the ones the provider signed for are refused, in memory or streamed to disk.
    await writeFile(results, "swapped after signing");
    await expect(client.results(LEASE)).rejects.toThrow(/results hash mismatch/);
    // Not retryable: asking again gets the same wrong bytes.
    expect(await client.results(LEASE).catch((e: unknown) => e)).toMatchObject({ status: 502, retryable: false });
    const file = path.join(dir, "results.tar.gz");
    await expect(client.downloadResults(LEASE, file)).rejects.toThrow(/the provider's signed sha256 is 0x/);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
    await writeFile(results, "not really a gzip");
    expect(await client.downloadResults(LEASE, file, bodyHash("not really a gzip"))).toEqual({
      sha256: bodyHash("not really a gzip"),
      bytes: 17,
    });
    expect(await readFile(file, "utf8")).toBe("not really a gzip");
    // A client that expects another key refuses every answer.
    const wary = createProviderClient({
      url: URL_BASE,
      account: buyer,
      chainId: deployment.chainId,
      marketplace: deployment.marketplace,
      apiSigner: stranger.address,
      fetch: async (input, init) => app.request(input as string, init),
    });
    await expect(wary.status(LEASE)).rejects.toThrow(OcxProviderError);
    await expect(wary.results(LEASE)).rejects.toThrow(/fails its signature check/);
    const logs = async () => {
      for await (const _ of wary.logs(LEASE)) {
        // Read it all.
      }
    };
    await expect(logs()).rejects.toThrow(/fails its signature check/);
  });

  it("a followed log is checked through the signed digest of what arrived", async () => {
    const { stdout } = leases.files(LEASE);
    await writeFile(stdout, "all of the log\n");
    const client = createProviderClient({
      url: URL_BASE,
      account: buyer,
      chainId: deployment.chainId,
      marketplace: deployment.marketplace,
      apiSigner: provider.address,
      fetch: async (input, init) => app.request(input as string, init),
    });
    // While the lease lives, the log streams as it grows: the first bytes arrive before the end.
    const followed = client.logs(LEASE, { follow: true, offset: 4 });
    const first = await Promise.race([
      followed.next(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no live log bytes within 5 s")), 5000)),
    ]);
    let read = new TextDecoder().decode(first.value as Uint8Array);
    expect(read).toBe("of the log\n");
    await appendFile(stdout, "and more\n");
    // The lease ends: the followed log ends at the end of the file, and is checked by its digest.
    store.moveLease(LEASE, "pending", "cancelled", "the test ended it");
    for await (const chunk of followed) read += new TextDecoder().decode(chunk);
    expect(read).toBe("of the log\nand more\n");
    const route = `/leases/${LEASE}/logs/digest?stream=stdout&offset=4&length=6`;
    const response = await send("GET", route, await signed("GET", route));
    expect(await response.json()).toEqual({ stream: "stdout", offset: 4, length: 6, sha256: bodyHash("of the") });
    const beyond = `/leases/${LEASE}/logs/digest?stream=stdout&offset=4&length=600`;
    expect((await send("GET", beyond, await signed("GET", beyond))).status).toBe(409);
  });

  it("POST /quotes: the callback prices for the signer; the answer is signed; bad requests are refused by name", async () => {
    const client = createProviderClient({
      url: URL_BASE,
      account: buyer,
      chainId: deployment.chainId,
      marketplace: deployment.marketplace,
      apiSigner: provider.address,
      fetch: async (input, init) => app.request(input as string, init),
    });
    const manifestHash = `0x${"22".repeat(32)}` as Hex;
    const { quote, signature } = await client.requestQuote(3n, manifestHash);
    expect(quote).toEqual({
      offerId: 3n,
      buyer: buyer.address,
      pricePerSecond: 5n,
      manifestHash,
      nonce: 9n,
      expiry: 2n ** 40n,
    });
    expect(signature).toBe(`0x${"ab".repeat(65)}`);
    expect(quotes.at(-1)).toEqual({ offerId: 3n, buyer: buyer.address, manifestHash });
    const body = JSON.stringify({ offerId: 3, manifestHash });
    const bad = await send("POST", "/quotes", await signed("POST", "/quotes", { body, lease: 0n }), body);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/offerId must be a decimal string, got 3/);
    const forLease = await send("POST", "/quotes", await signed("POST", "/quotes", { body, lease: 7n }), body);
    expect(forLease.status).toBe(401);
  });

  it("429 with retry-after beyond the quote rate, which refills with time", async () => {
    const limited = createApi({
      deployment,
      store,
      leases: leases.service,
      metrics: createMetrics("ocx_test_rate_"),
      maxUploadBytes: 1024,
      maxSignatureAgeSeconds: 60,
      findLease: async () => undefined,
      status: async () => ({}),
      notReady: async () => [],
      answerSigner: provider,
      quote: async (offerId, who, manifestHash) => ({
        quote: { offerId, buyer: who, pricePerSecond: 5n, manifestHash, nonce: 1n, expiry: 2n ** 40n },
        signature: `0x${"ab".repeat(65)}`,
      }),
      quoteRate: { perSecond: 2, burst: 2 },
    });
    const body = JSON.stringify({ offerId: "1", manifestHash: `0x${"33".repeat(32)}` });
    const ask = async () =>
      limited.request(
        new Request(`${URL_BASE}/quotes`, {
          method: "POST",
          headers: await signed("POST", "/quotes", { body, lease: 0n }),
          body,
        }),
      );
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.text()).toMatch(/at most 2 quotes a second/);
    await new Promise((r) => setTimeout(r, 600));
    expect((await ask()).status).toBe(200);
  });

  it("503 when more requests than maxPendingAuth are being authenticated at once", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const busy = createApi({
      deployment,
      store,
      leases: leases.service,
      metrics: createMetrics("ocx_test_busy_"),
      maxUploadBytes: 1024,
      maxSignatureAgeSeconds: 60,
      findLease: async () => {
        await gate;
        return undefined;
      },
      status: async () => ({}),
      notReady: async () => [],
      maxPendingAuth: 1,
    });
    const first = busy.request(
      new Request(`${URL_BASE}/leases/99`, { headers: await signed("GET", "/leases/99", { lease: 99n }) }),
    );
    await new Promise((r) => setTimeout(r, 50));
    const second = await busy.request(
      new Request(`${URL_BASE}/leases/99`, { headers: await signed("GET", "/leases/99", { lease: 99n }) }),
    );
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("1");
    // The bound is shared by every signed route.
    const quote = await busy.request(
      new Request(`${URL_BASE}/quotes`, { method: "POST", headers: await signed("POST", "/quotes", { lease: 0n }) }),
    );
    expect(quote.status).toBe(503);
    release();
    expect((await first).status).toBe(404);
  });

  it("the client says which provider could not be reached, and that retrying can help", async () => {
    // A port nobody listens on, as during a provider's restart.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const url = `http://127.0.0.1:${closed}`;
    const client = createProviderClient({
      url,
      account: buyer,
      chainId: deployment.chainId,
      marketplace: deployment.marketplace,
    });
    const error = await client.status(LEASE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OcxProviderError);
    expect(error).toMatchObject({ retryable: true, url, exitCode: 5, status: undefined });
    expect((error as Error).message).toContain(`the provider at ${url} cannot be reached (ECONNREFUSED)`);
  });
});
