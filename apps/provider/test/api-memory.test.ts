// Unauthenticated load costs the node almost no memory: eight concurrent 200 MB uploads with
// forged signatures or a stranger's valid one, against a real node in its own process whose
// resident memory is sampled from /proc the whole time.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { Readable } from "node:stream";
import { signRequest } from "@ocx/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUYER, buyer, firstOfferId, type Market, PROVIDER, startChain, waitUntil } from "./harness.js";

const SCRIPT = path.join(import.meta.dirname, "nodeProcess.ts");
const STRANGER = 3;
const BODY_BYTES = 200 * 1024 * 1024;
const REQUESTS = 8;
/** The most the node's resident memory may grow under the whole attack. */
const BOUND_BYTES = 64 * 1024 * 1024;
const JOB = `
version: 1
name: memory
command: "cat data.txt"
resources: { cpu: 1, memory: 128Mi, disk: 64Mi }
inputs: [{ path: data.txt, source: data.txt }]
maxDuration: 10m
`;

/** Resident memory of process `pid` in bytes, from /proc. */
function rss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** Streams `bytes` of zeros as a PUT body; resolves with the status the node answered, whenever it answers. */
function upload(url: string, headers: Record<string, string>, bytes: number): Promise<number | string> {
  const chunk = Buffer.alloc(1024 * 1024);
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= bytes) return this.push(null);
      sent += chunk.byteLength;
      this.push(chunk);
    },
  });
  return new Promise((resolve) => {
    const req = request(url, { method: "PUT", headers: { ...headers, "content-length": String(bytes) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    // The node closes the connection after refusing: the rest of the body cannot be written.
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    body.pipe(req);
  });
}

describe("provider API memory under unauthenticated load", () => {
  let chain: Awaited<ReturnType<typeof startChain>>;
  let node: ChildProcess | undefined;
  let leaseId: bigint;
  const stderr: string[] = [];

  beforeAll(async () => {
    chain = await startChain(`offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 256, diskMiB: 1024, maxLeases: 2, minDuration: 10 }`);
    node = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
      env: { ...process.env, OCX_TEST_CONFIG: chain.configFile, OCX_PROVIDER_KEY: chain.net.key(PROVIDER) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    node.stderr?.on("data", (data: Buffer) => stderr.push(data.toString("utf8")));
    await waitUntil(
      "the node process to answer /health",
      async () => {
        if (node?.exitCode !== null) throw new Error(`the node exited while starting: ${stderr.join("")}`);
        return (await fetch(`${chain.url}/health`).catch(() => undefined))?.ok;
      },
      60_000,
    );
    const market = { net: chain.net, node: { url: chain.url } } as unknown as Market;
    const b = buyer(market, BUYER);
    await b.approve();
    const { hash } = await b.manifest(JOB, { "data.txt": "x" });
    leaseId = await b.take(await firstOfferId(market), hash, 10n ** 15n * 600n);
    await b.waitFor(leaseId, ["acknowledged"]);
  }, 120_000);

  afterAll(async () => {
    if (node?.pid && node.exitCode === null) {
      const exited = new Promise((resolve) => node?.once("exit", resolve));
      node.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (node.exitCode === null) node.kill("SIGKILL");
    }
    await chain?.net.stop();
  });

  it(`stays within +${BOUND_BYTES / 2 ** 20} MiB while ${REQUESTS} × 200 MB bodies arrive with forged or a stranger's signatures`, async () => {
    const pid = node?.pid as number;
    const route = `/leases/${leaseId}/inputs/data.txt`;
    const sign = (index: number) =>
      signRequest({
        account: privateKeyToAccount(chain.net.key(index)),
        chainId: chain.net.deployment.chainId,
        marketplace: chain.net.deployment.marketplace,
        method: "PUT",
        path: route,
        leaseId,
        body: "x",
      });
    const headers: Record<string, string>[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const signed = { ...(await sign(i % 2 === 0 ? STRANGER : BUYER)) } as Record<string, string>;
      // Odd requests: the buyer's headers with a forged signature.
      if (i % 2 === 1) signed["x-ocx-signature"] = `0x${"5a".repeat(64)}1b`;
      headers.push(signed);
    }

    const baseline = rss(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pid));
    }, 10);
    const started = Date.now();
    const statuses = await Promise.all(headers.map((h) => upload(`${chain.url}${route}`, h, BODY_BYTES)));
    clearInterval(sampler);
    peak = Math.max(peak, rss(pid));
    const growth = peak - baseline;
    console.log(
      `api-memory: node RSS ${(baseline / 2 ** 20).toFixed(1)} MiB → peak ${(peak / 2 ** 20).toFixed(1)} MiB ` +
        `(+${(growth / 2 ** 20).toFixed(1)} MiB) under ${REQUESTS} × ${BODY_BYTES / 2 ** 20} MiB unauthenticated uploads ` +
        `in ${Date.now() - started} ms; answers ${JSON.stringify(statuses)}`,
    );
    // Each was refused: 403 for the stranger, 401 for the forgery (or the connection closed on a body it never read).
    // (A client still writing when the node closes may see EPIPE or ECONNRESET instead of the answer.)
    for (const [i, status] of statuses.entries()) {
      if (typeof status === "number") expect(status).toBe(i % 2 === 0 ? 403 : 401);
      else expect(status).toMatch(/^(EPIPE|ECONNRESET)$/);
    }
    expect(statuses.some((s) => typeof s === "number")).toBe(true);
    expect(growth).toBeLessThan(BOUND_BYTES);
    // The node still serves its buyer.
    const market = { net: chain.net, node: { url: chain.url } } as unknown as Market;
    expect((await buyer(market, BUYER).client.status(leaseId)).phase).toBe("acknowledged");
  }, 120_000);
});
