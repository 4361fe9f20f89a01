// A provider that restarts while a job runs: calls are retried with backoff, a followed log resumes from the byte
// it reached, and giving up names the provider's URL and how to pick the lease up again.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { OcxProviderError } from "../errors.js";
import { createProviderClient, type ProviderLeaseStatus } from "../provider/client.js";
import type { RunJobEvent } from "./events.js";
import { followLogs } from "./followLogs.js";
import { withProviderRetry } from "./retry.js";
import { startJob } from "./startJob.js";

const account = privateKeyToAccount(generatePrivateKey());
const MARKETPLACE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

const status = (phase: ProviderLeaseStatus["phase"]): ProviderLeaseStatus => ({
  id: "1",
  phase,
  message: "",
  buyer: account.address,
  pricePerSecond: "1",
  deposit: "600",
  startedAt: 1,
  gpus: [],
  exitCode: phase === "completed" ? 0 : null,
  oomKilled: false,
  resultHash: null,
  resultSize: null,
});

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** A provider API on a fixed port that can be stopped (connections cut, as a kill would) and started again. */
class RestartingServer {
  private server?: http.Server;
  port = 0;
  constructor(private handler: Handler) {}
  async start() {
    this.server = http.createServer((request, response) => this.handler(request, response));
    await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop() {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
}

let servers: RestartingServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop().catch(() => {})));
  servers = [];
});
const serve = async (handler: Handler) => {
  const server = new RestartingServer(handler);
  servers.push(server);
  await server.start();
  return server;
};
const clientOf = (server: RestartingServer) =>
  createProviderClient({ url: server.url, account, chainId: 31337, marketplace: MARKETPLACE });

describe("withProviderRetry", () => {
  it("retries a provider that is down until it is back", async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(status("running")));
    });
    await server.stop();
    const retries: number[] = [];
    setTimeout(() => void server.start(), 400);
    const answer = await withProviderRetry(() => clientOf(server).status(1n), {
      what: "reading the status",
      url: server.url,
      leaseId: 1n,
      maxMs: 10_000,
      initialDelayMs: 50,
      onRetry: (info) => retries.push(info.attempt),
    });
    expect(answer.phase).toBe("running");
    expect(retries.length).toBeGreaterThan(0);
  });

  it("gives up after maxMs with one line naming the URL and how to follow the lease", async () => {
    const server = await serve(() => {});
    await server.stop();
    const started = Date.now();
    const error = await withProviderRetry(() => clientOf(server).status(7n), {
      what: "reading the status",
      url: server.url,
      leaseId: 7n,
      maxMs: 500,
      initialDelayMs: 50,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(OcxProviderError);
    const { shortMessage } = error as OcxProviderError;
    expect(shortMessage).not.toContain("\n");
    expect(shortMessage).toContain(server.url);
    expect(shortMessage).toContain("lease #7 still runs");
    expect(shortMessage).toContain("`ocx job logs -f 7`");
    expect(shortMessage).toContain("`ocx job results 7`");
  });

  it("does not retry a refusal (403)", async () => {
    let calls = 0;
    const server = await serve((_, response) => {
      calls++;
      response.writeHead(403, { "content-type": "application/json" }).end('{"error":"not your lease"}');
    });
    const error = await withProviderRetry(() => clientOf(server).status(1n), {
      what: "reading the status",
      url: server.url,
      leaseId: 1n,
      initialDelayMs: 10,
    }).catch((e: unknown) => e);
    expect((error as OcxProviderError).status).toBe(403);
    expect(calls).toBe(1);
  });
});

describe("followLogs across a provider restart", () => {
  it("resumes each stream from the byte it reached and returns the final status", async () => {
    const output = "hello from before the restart\nand after it\n";
    const cut = output.indexOf("\n") + 1;
    const offsets: number[] = [];
    let restarted = false;
    let server: RestartingServer;
    server = await serve((request, response) => {
      const url = new URL(request.url ?? "/", "http://x");
      if (url.pathname === "/leases/1") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(status(restarted ? "completed" : "running")));
        return;
      }
      const offset = Number(url.searchParams.get("offset"));
      if (url.searchParams.get("stream") === "stderr") {
        response.writeHead(200).end();
        return;
      }
      offsets.push(offset);
      response.writeHead(200, { "content-type": "application/octet-stream" });
      if (!restarted) {
        // The node dies mid-stream: the first line is out, then the connection is cut and the port goes dark.
        response.write(output.slice(offset, cut), () => {
          void server.stop().then(async () => {
            await new Promise((r) => setTimeout(r, 300));
            restarted = true;
            await server.start();
          });
        });
        return;
      }
      response.end(output.slice(offset));
    });
    let logs = "";
    const events: RunJobEvent[] = [];
    const final = await followLogs(clientOf(server), {
      leaseId: 1n,
      url: server.url,
      retryMs: 10_000,
      pollMs: 20,
      onEvent: (e) => {
        events.push(e);
        if (e.type === "log" && e.stream === "stdout") logs += new TextDecoder().decode(e.chunk);
      },
    });
    expect(logs).toBe(output);
    expect(offsets).toEqual([0, cut]);
    expect(final.phase).toBe("completed");
    expect(events.some((e) => e.type === "retry")).toBe(true);
    expect(events.at(-1)?.type).toBe("finished");
  });
});

describe("startJob", () => {
  it("waits while the provider still has the lease pending, and fails at once on any other refusal", async () => {
    let calls = 0;
    let phase = "pending";
    const server = await serve((_, response) => {
      calls++;
      if (phase === "pending" && calls <= 2) {
        response.writeHead(409, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: "lease 1 is not acknowledged yet; try again in a moment", phase }));
        return;
      }
      if (phase !== "pending") {
        response.writeHead(409, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: `lease 1 is ${phase} and cannot start`, phase }));
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end('{"phase":"running","message":""}');
    });
    const events: RunJobEvent[] = [];
    await startJob(clientOf(server), { leaseId: 1n, url: server.url, onEvent: (e) => events.push(e) });
    expect(calls).toBe(3);
    expect(events.map((e) => e.type)).toEqual(["retry", "retry", "started"]);

    calls = 0;
    phase = "completed";
    const error = await startJob(clientOf(server), { leaseId: 1n, url: server.url }).catch((e: unknown) => e);
    expect((error as OcxProviderError).status).toBe(409);
    expect(calls).toBe(1);
  });
});
