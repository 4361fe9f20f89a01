// Service leases on a real node with a real anvil: a web service and its TCP "db" (Node programs
// in the sandbox) on the lease's private network, the db writing to a persistent volume. The lease
// comes up healthy, the web service reaches the db by name through its bridged Unix socket, a
// crash-looping service is stopped with the reason, a provider restart keeps the services and the
// volume's data, the buyer's close stops everything and deletes the volume, and an escrow running
// out stops a service lease within seconds and settles exactly the deposit.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { CloseReason, type ProviderServiceStatus } from "@ocx/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workloadTagOf } from "../src/leases/context.js";
import { netnsName, netnsPath } from "../src/services/network.js";
import { volumeDir } from "../src/services/volumes.js";
import { buyer, chainLease, firstOfferId, leaseEvents, type Market, startMarket, waitUntil } from "./harness.js";

const PRICE = 10n ** 15n; // 3.6 OCX per hour, per second
const FEE_BPS = 250n;

const DB = `const net=require("net"),fs=require("fs");net.createServer(c=>c.on("data",d=>{const l=String(d).trim();if(l.startsWith("PUT "))fs.appendFileSync("/data/db.txt",l.slice(4)+"\\n");c.end(fs.existsSync("/data/db.txt")?fs.readFileSync("/data/db.txt","utf8"):"")})).listen(5432,"127.0.0.1",()=>console.log("db listening"))`;
const WEB = `const http=require("http"),net=require("net");const ask=(l,cb)=>{const s=net.connect(5432,process.env.DB_HOST);let o="";s.on("data",d=>o+=d);s.on("end",()=>cb(null,o));s.on("error",e=>cb(e));s.write(l+"\\n")};http.createServer((q,r)=>{const u=new URL(q.url,"http://x");if(u.pathname==="/health")return r.end("ok");const l=u.pathname==="/put"?"PUT "+u.searchParams.get("v"):"GET";ask(l,(e,o)=>{r.statusCode=e?502:200;r.end(e?String(e.code):o)})}).listen(8080,"127.0.0.1",()=>console.log("web listening"))`;

const quoted = (s: string) => JSON.stringify(s);

const webapp = `
version: 1
kind: service
name: webapp
resources: { gpu: { count: 0 }, cpu: 1, memory: 512Mi, disk: 256Mi }
services:
  db:
    command: ["node", "-e", ${quoted(DB)}]
    ports: [{ port: 5432, expose: internal, protocol: tcp }]
    health: { tcp: { port: 5432 }, intervalSeconds: 1, timeoutSeconds: 2, failures: 3, startSeconds: 20 }
    mounts: [{ volume: dbdata, path: /data }]
  web:
    command: ["node", "-e", ${quoted(WEB)}]
    env: { DB_HOST: db }
    ports: [{ port: 8080, expose: public, protocol: http }]
    health: { http: { port: 8080, path: /health }, intervalSeconds: 1, timeoutSeconds: 2, failures: 3, startSeconds: 20 }
    dependsOn: [db]
  flaky:
    command: ["sh", "-c", "echo boom >&2; exit 2"]
    restart: on-failure
volumes:
  dbdata: { size: 32Mi }
`;

/** Whether any process on the host runs `sleep <marker>`. */
function sleeping(marker: string): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8") === `sleep\0${marker}\0`) return true;
    } catch {
      // Exited while we looked.
    }
  }
  return false;
}

const get = (socketPath: string, urlPath: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath, path: urlPath, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });

const service = (services: ProviderServiceStatus[] | undefined, name: string) => services?.find((s) => s.name === name);

describe("service leases on a node", () => {
  let market: Market;
  let offerId: bigint;
  beforeAll(async () => {
    market = await startMarket(
      `offers:
  - { gpus: 0, pricePerGpuHour: "3.6", cpu: 1, memoryMiB: 1024, diskMiB: 1024, maxLeases: 4, minDuration: 1 }`,
    );
    offerId = await firstOfferId(market);
    await buyer(market).approve();
  }, 120_000);
  afterAll(async () => {
    await market?.stop();
  });

  it("runs two services by name on a private network with a volume, survives a provider restart, stops a crash loop, and ends on the buyer's close", async () => {
    const b = buyer(market);
    const { json, hash } = await b.manifest(webapp);
    const deposit = PRICE * 3600n;
    const leaseId = await b.take(offerId, hash, deposit);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    expect((await b.client.start(leaseId)).phase).toBe("running");

    const healthy = await waitUntil(
      "db and web healthy",
      async () => {
        const status = await b.client.status(leaseId);
        return ["db", "web"].every((n) => service(status.services, n)?.state === "healthy") && status;
      },
      60_000,
    );
    expect(healthy.phase).toBe("running");
    expect(service(healthy.services, "web")?.ports).toEqual([{ port: 8080, protocol: "http", expose: "public" }]);

    // A service's log, followed: its first line arrives while it runs.
    let followed = "";
    for await (const chunk of b.client.logs(leaseId, { service: "db", follow: true })) {
      followed += new TextDecoder().decode(chunk);
      if (followed.includes("\n")) break;
    }
    expect(followed).toBe("db listening\n");
    await expect(b.client.status(leaseId)).resolves.toBeTruthy();
    await expect(
      (async () => {
        for await (const _ of b.client.logs(leaseId, { service: "nope" })) break;
      })(),
    ).rejects.toMatchObject({ status: 400 });

    const root = path.join(market.config.stateDir, "leases", String(leaseId));
    const web = path.join(root, "sockets", "web-8080.sock");
    expect((await get(web, "/put?v=before-restart")).body).toBe("before-restart\n");

    // The crash-looping service is stopped with the reason, the others keep running.
    const flaky = await waitUntil(
      "flaky to be stopped for crash-looping",
      async () => {
        const s = service((await b.client.status(leaseId)).services, "flaky");
        return s?.state === "crash-looping" && s;
      },
      60_000,
    );
    expect(flaky.reason).toMatch(/crash-looping: 5 restarts within 60 s, last exited with code 2/);
    expect(flaky.lastExit?.exitCode).toBe(2);
    let flakyErr = "";
    for await (const chunk of b.client.logs(leaseId, { stream: "stderr", service: "flaky" })) {
      flakyErr += new TextDecoder().decode(chunk);
    }
    expect(flakyErr).toBe("boom\n".repeat(6));

    // The provider restarts: the services run on (re-attached), the data is still there.
    await market.node.close();
    await market.restart();
    const after = await waitUntil(
      "the services re-attached and healthy",
      async () => {
        const status = await b.client.status(leaseId);
        return ["db", "web"].every((n) => service(status.services, n)?.state === "healthy") && status;
      },
      60_000,
    );
    expect(service(after.services, "db")?.restarts).toBe(0);
    expect(service(after.services, "flaky")?.state).toBe("crash-looping");
    expect((await get(web, "/put?v=after-restart")).body).toBe("before-restart\nafter-restart\n");

    // The buyer closes: services stopped, network and volume gone, billed to the second.
    await b.write("close", leaseId);
    const closed = await b.waitFor(leaseId, ["closed"], 30_000);
    expect(closed.message).toMatch(/buyer closed/);
    expect(closed.services?.every((s) => s.state === "stopped" || s.state === "crash-looping")).toBe(true);
    const tag = workloadTagOf(market.config.stateDir, market.node.address);
    expect(existsSync(volumeDir(market.config.stateDir, leaseId, "dbdata"))).toBe(false);
    expect(existsSync(netnsPath(netnsName(`${tag}-${leaseId}`)))).toBe(false);
    expect(existsSync(web)).toBe(false);
    const events = await leaseEvents(market, leaseId);
    expect(events.closed?.args.reason).toBe(CloseReason.ClosedByBuyer);
    expect(events.completed).toBeUndefined();
    const seconds = BigInt((events.closedAt as number) - Number(events.acknowledged?.args.startedAt));
    expect(events.paid).toBe(PRICE * seconds);
  }, 240_000);

  it("stops a service lease within seconds of its escrow running out and settles exactly the deposit", async () => {
    const b = buyer(market);
    const marker = "60.0711";
    const { json, hash } = await b.manifest(`
version: 1
kind: service
name: sleeper
resources: { gpu: { count: 0 }, cpu: 1, memory: 128Mi, disk: 64Mi }
services:
  sleeper:
    command: ["sleep", "${marker}"]
`);
    const deposit = PRICE * 6n; // six seconds of compute
    const before = await b.balance();
    const leaseId = await b.take(offerId, hash, deposit);
    await b.waitFor(leaseId, ["acknowledged"]);
    await b.client.uploadManifest(leaseId, json);
    await b.client.start(leaseId);
    await waitUntil("the service to start", () => sleeping(marker), 15_000);
    const fundedUntil = (await chainLease(market, leaseId)).settledAt + 6;
    await waitUntil("the node to stop the service", () => !sleeping(marker), 20_000);
    expect(Date.now() / 1000 - fundedUntil).toBeLessThan(3);
    const status = await b.waitFor(leaseId, ["exhausted", "closed"], 15_000);
    expect(status.phase).toBe("exhausted");
    expect(status.message).toMatch(/escrow ran out/);
    const events = await waitUntil("the lease to close on-chain", async () => {
      const e = await leaseEvents(market, leaseId);
      return e.closed ? e : undefined;
    });
    expect(events.closed?.args.reason).toBe(CloseReason.Exhausted);
    expect(events.closed?.args.refund).toBe(0n);
    expect(events.completed).toBeUndefined();
    expect(events.paid).toBe(deposit);
    expect(events.fee).toBe((deposit * FEE_BPS) / 10_000n);
    expect(await b.balance()).toBe(before - deposit);
  }, 120_000);
});
