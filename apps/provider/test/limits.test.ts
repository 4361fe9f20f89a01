// The sandbox's limits as a buyer's job meets them: memory (OOM kill, reported and settled with
// its exit code), a read-only host (nothing written outside /job) and no network unless asked.

import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { CloseReason } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyer, firstOfferId, leaseEvents, type Market, startMarket } from "./harness.js";

const PRICE = 10n ** 15n;

describe("sandbox limits", () => {
  let market: Market;
  let offerId: bigint;
  beforeAll(async () => {
    // A small bundle: 64 MiB of memory per lease.
    market = await startMarket(
      `offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 64, diskMiB: 1024, maxLeases: 4, minDuration: 10 }`,
    );
    offerId = await firstOfferId(market);
    await buyer(market).approve();
  });
  afterAll(async () => {
    await market?.stop();
  });

  /** Takes the offer for `yaml`, runs it to its end and returns its final status and stdout. */
  async function run(yaml: string) {
    const b = buyer(market);
    const { json, hash } = await b.manifest(yaml);
    const leaseId = await b.take(offerId, hash, PRICE * 600n);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    const status = await b.waitFor(leaseId, ["completed", "failed", "closed", "exhausted"]);
    let stdout = "";
    for await (const chunk of b.client.logs(leaseId)) stdout += new TextDecoder().decode(chunk);
    let stderr = "";
    for await (const chunk of b.client.logs(leaseId, { stream: "stderr" })) stderr += new TextDecoder().decode(chunk);
    return { b, leaseId, status, stdout, stderr };
  }

  it("OOM-kills a job above its memory limit, reports it, and completes the lease with its exit code", async () => {
    // `tail` keeps the whole newline-free stream in memory: 200 MiB against a 64 MiB limit.
    const { leaseId, status, stdout } = await run(`
version: 1
name: hog
command: "echo before; head -c 200M /dev/zero | tail"
resources: { cpu: 1, memory: 64Mi, disk: 64Mi }
maxDuration: 10m
`);
    expect(status.phase).toBe("completed");
    expect(status.oomKilled).toBe(true);
    expect(status.message).toMatch(/memory limit/);
    expect(stdout).toBe("before\n");
    const events = await leaseEvents(market, leaseId);
    expect(events.completed?.args.exitCode).toBe(BigInt(status.exitCode as number));
    expect(status.exitCode).not.toBe(0);
    expect(events.closed?.args.reason).toBe(CloseReason.Completed);
  });

  it("keeps a job from writing anywhere on the host but its job folder", async () => {
    const targets = [
      "/etc/ocx-escape",
      "/root/ocx-escape",
      path.join(market.config.stateDir, "ocx-escape"),
      path.join(market.config.stateDir, "leases", "ocx-escape"),
      // World-writable on the host; the sandbox sees it read-only. (The test's folders are under
      // /tmp, which inside the sandbox is the job's own private tmpfs.)
      `/var/tmp/ocx-escape-${process.pid}`,
    ];
    const tries = targets
      .map((t) => `if echo pwned > ${t}; then echo WROTE ${t}; else echo blocked ${t}; fi`)
      .join("; ");
    const { status, stdout, stderr, b, leaseId } = await run(`
version: 1
name: escape
command: "${tries}; mkdir -p out; echo inside > out/ok.txt"
resources: { cpu: 1, memory: 64Mi, disk: 64Mi }
outputs: [out]
maxDuration: 10m
`);
    expect(status.phase).toBe("completed");
    expect(stdout.trim().split("\n")).toEqual(targets.map((t) => `blocked ${t}`));
    expect(stderr).toMatch(/Read-only file system|Permission denied|No such file or directory/);
    for (const target of targets) expect(existsSync(target), target).toBe(false);
    // The job did run and could write where it is allowed to.
    const results = await b.client.results(leaseId);
    expect(results.bytes.byteLength).toBeGreaterThan(0);
    expect(existsSync(path.join(market.config.stateDir, "jobs", leaseId.toString(), "out", "ok.txt"))).toBe(true);
  });

  describe("network", () => {
    let server: Server;
    let port: number;
    let connections = 0;
    beforeAll(async () => {
      server = createServer((socket) => {
        connections++;
        socket.end("hello from the host\n");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const dial = (network: boolean) => `
version: 1
name: dial
command: >-
  node -e 'require("net").connect(${port}, "127.0.0.1")
  .on("data", (d) => { process.stdout.write("connected " + d); process.exit(0); })
  .on("error", (e) => { console.log("refused " + e.code); process.exit(3); })'
resources: { cpu: 1, memory: 64Mi, disk: 64Mi }
network: ${network}
maxDuration: 10m
`;

    it("cuts a job off from the network when its manifest says network: false", async () => {
      const before = connections;
      const { status, stdout } = await run(dial(false));
      expect(status.phase).toBe("completed");
      expect(status.exitCode).toBe(3);
      expect(stdout).toMatch(/^refused E[A-Z]+/);
      expect(connections).toBe(before);
    });

    it("lets it connect when the manifest asks for the network (the check above is not vacuous)", async () => {
      const before = connections;
      const { status, stdout } = await run(dial(true));
      expect(stdout).toBe("connected hello from the host\n");
      expect(status.exitCode).toBe(0);
      expect(connections).toBe(before + 1);
    });
  });
});
