// Services end to end, each part its own process: a real anvil with the contracts, a real provider node
// (bubblewrap sandbox, network namespaces, its ingress), and the real `ocx` CLI. `ocx deploy` runs a web app
// with a stand-in database (a small TCP store; the real PostgreSQL on `ocx devnet` is webapp-postgres.test.ts)
// and a persistent volume; the test reaches it from outside through its public URL, writes data, restarts the
// provider, and reads the data back; a streamed answer arrives chunk by chunk (time to first byte measured); a
// WebSocket echoes through the ingress; `ocx job close` ends it: a request in flight ends at once, the URL goes
// away, and the TCP port refuses connections (never accepting one only to close it).
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { createCleanup } from "@ocx/node-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ocx } from "./harness/cli.js";
import { type Daemon, SANDBOXED, startProviderNode } from "./harness/daemons.js";
import { deployService, requestUntil, type ServicesNetwork, startServicesNetwork } from "./harness/services.js";

/** The "db": a TCP server on 5432; `PUT x` appends x to its file on the persistent volume, anything else reads it. */
const DB = `const net=require("net"),fs=require("fs");const f="/var/lib/db/db.txt";
net.createServer(c=>c.on("data",d=>{const l=String(d).trim();if(l.startsWith("PUT "))fs.appendFileSync(f,l.slice(4)+"\\n");c.end(fs.existsSync(f)?fs.readFileSync(f,"utf8"):"")})).listen(5432,"127.0.0.1",()=>console.log("db listening on 5432"));`;

/**
 * The "web": HTTP on 8080 — /health; /put?v= and /get through db:5432 (by the service's name); /stream, two chunks
 * a second apart; /hold, never answered; a WebSocket echo (short text frames) on any upgrade; and a plain TCP echo
 * on 7000.
 */
const WEB = `const http=require("http"),net=require("net"),crypto=require("crypto");
const ask=(l,cb)=>{const s=net.connect(5432,process.env.DB_HOST);let o="";s.on("data",d=>o+=d);s.on("end",()=>cb(null,o));s.on("error",e=>cb(e));s.write(l+"\\n")};
const server=http.createServer((q,r)=>{const u=new URL(q.url,"http://x");
if(u.pathname==="/health")return r.end("ok");
if(u.pathname==="/hold")return;
if(u.pathname==="/stream"){r.writeHead(200,{"content-type":"text/plain"});r.write("chunk 1\\n");setTimeout(()=>r.end("chunk 2\\n"),1000);return}
const l=u.pathname==="/put"?"PUT "+u.searchParams.get("v"):"GET";ask(l,(e,o)=>{r.statusCode=e?502:200;r.end(e?String(e.code):o)})});
server.on("upgrade",(q,s)=>{const a=crypto.createHash("sha1").update(q.headers["sec-websocket-key"]+"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
s.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: "+a+"\\r\\n\\r\\n");
s.on("data",f=>{const n=f[1]&127,m=f.subarray(2,6),p=Buffer.from(f.subarray(6,6+n).map((b,i)=>b^m[i%4]));s.write(Buffer.concat([Buffer.from([129,p.length]),p]))})});
server.listen(8080,"127.0.0.1",()=>console.log("web listening on 8080"));
net.createServer(c=>c.on("data",d=>c.write("echo: "+d))).listen(7000,"127.0.0.1");`;

const MANIFEST = `# A web app with its database: two services on the lease's private network, a persistent volume.
version: 1
kind: service
name: webapp
resources: { gpu: { count: 0 }, cpu: 1, memory: 512Mi, disk: 1Gi }
inputs:
  - { path: web.js, source: web.js }
  - { path: db.js, source: db.js }
services:
  web:
    command: ["node", "/job/web.js"]
    env: { DB_HOST: db }
    ports:
      - { port: 8080, expose: public, protocol: http }
      - { port: 7000, expose: public, protocol: tcp }
    health: { http: { port: 8080, path: /health }, intervalSeconds: 1, timeoutSeconds: 2, failures: 3, startSeconds: 10 }
    restart: always
    dependsOn: [db]
  db:
    command: ["node", "/job/db.js"]
    ports:
      - { port: 5432, expose: internal, protocol: tcp }
    health: { tcp: { port: 5432 }, intervalSeconds: 1, timeoutSeconds: 2, failures: 3, startSeconds: 10 }
    restart: always
    mounts: [{ volume: dbdata, path: /var/lib/db }]
volumes:
  dbdata: { size: 64Mi }
`;

const cleanup = createCleanup();
let network: ServicesNetwork;
let dir: string;
/** The provider node now running (started again after the restart). */
let provider: Daemon;
/** `ocx` as the buyer (anvil account 2); a command that hangs is killed after 45 s with what it had printed. */
let ocx: Ocx;
let leaseId: bigint | undefined;
let url: string;
let tcpUrl: string;

const providerLog = () => provider.log().slice(-4000);

/** Sends a line to a TCP URL and returns the first answer. */
function tcpRoundTrip(target: string, line: string) {
  const { hostname, port } = new URL(target.replace(/^tcp:/, "http:"));
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    socket.once("data", (d: Buffer) => {
      resolve(d.toString());
      socket.destroy();
    });
    socket.once("error", reject);
    // A port that accepts and then closes without answering (a lease being torn down) must not hang the caller.
    socket.once("close", () => reject(new Error("closed without an answer")));
    socket.setTimeout(5_000, () => socket.destroy(new Error("no answer within 5 s")));
    socket.write(line);
  });
}

/** GETs a URL until `accept` holds for its answer (a service coming back after a restart), or the timeout. */
const getUntil = (target: string, accept: (status: number, body: string) => boolean, timeoutMs = 60_000) =>
  requestUntil(target, {}, accept, { timeoutMs, context: providerLog });

describe.skipIf(!SANDBOXED)("services: ocx deploy, the ingress, a provider restart", () => {
  beforeAll(async () => {
    network = await startServicesNetwork({ name: "services", tcpPorts: "32100-32199", defer: cleanup.defer });
    ({ dir, provider } = network);
    ocx = network.ocx(2, 45_000);
    await writeFile(path.join(dir, "web.js"), WEB);
    await writeFile(path.join(dir, "db.js"), DB);
    await writeFile(path.join(dir, "webapp.yaml"), MANIFEST);
  }, 120_000);
  afterAll(() => cleanup.run(), 60_000);

  it("ocx deploy runs the web app and its database, and prints the public URL", async () => {
    const result = await deployService(ocx, "webapp.yaml", providerLog);
    leaseId = BigInt(result.leaseId);
    expect(result.healthy).toBe(true);
    expect(result.services.map((s) => [s.name, s.state])).toEqual([
      ["db", "healthy"],
      ["web", "healthy"],
    ]);
    // Only the public ports have URLs: the database's internal port has none.
    expect(result.urls.map((u) => [u.service, u.port, u.protocol]).sort()).toEqual([
      ["web", 7000, "tcp"],
      ["web", 8080, "http"],
    ]);
    url = result.urls.find((u) => u.port === 8080)?.url as string;
    tcpUrl = result.urls.find((u) => u.port === 7000)?.url as string;
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/l/${leaseId}/8080/$`));
    expect(tcpUrl).toMatch(/^tcp:\/\/127\.0\.0\.1:321\d\d$/);
  }, 180_000);

  it("is reached from outside through its public URL: the web service writes through the database", async () => {
    expect((await fetch(`${url}put?v=before-restart`)).status).toBe(200);
    const read = await fetch(`${url}get`);
    expect(await read.text()).toBe("before-restart\n");
    // The database's port is internal: the ingress refuses it.
    const internal = await fetch(url.replace("/8080/", "/5432/"));
    expect(internal.status).toBe(404);
  });

  it("forwards the public TCP port on its host port", async () => {
    expect(await tcpRoundTrip(tcpUrl, "ping")).toBe("echo: ping");
  });

  it("refuses a batch manifest and a bad service manifest, as JSON with --json", async () => {
    await writeFile(path.join(dir, "job.yaml"), "version: 1\nname: batch\ncommand: echo hi\nmaxDuration: 1m\n");
    const batch = await ocx(["--json", "deploy", "job.yaml"]);
    expect(batch.code).toBe(2);
    expect(JSON.parse(batch.stdout).error.message).toMatch(
      /batch job, not services: run it with `ocx job submit job.yaml`/,
    );
    await writeFile(
      path.join(dir, "clash.yaml"),
      MANIFEST.replace("port: 5432, expose: internal", "port: 8080, expose: internal"),
    );
    const clash = await ocx(["--json", "deploy", "clash.yaml"]);
    expect(clash.code).toBe(2);
    expect(JSON.parse(clash.stdout).error.message).toMatch(/services\.\w+\.ports\[0\]\.port/);
  }, 60_000);

  it("streams an answer unbuffered: the first chunk arrives a second before the last", async () => {
    const firstBytes: number[] = [];
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const response = await fetch(`${url}stream`);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      const ttfbMs = performance.now() - started;
      let rest = "";
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
      const totalMs = performance.now() - started;
      expect(new TextDecoder().decode(first.value)).toBe("chunk 1\n");
      expect(rest).toBe("chunk 2\n");
      // The service writes its last chunk a second after its first: the first must not wait for it.
      expect(totalMs - ttfbMs).toBeGreaterThan(800);
      firstBytes.push(ttfbMs);
    }
    console.log(
      `streamed through the ingress: first byte after ${firstBytes.map((t) => t.toFixed(1)).join(", ")} ms (3 runs); the last chunk a second later`,
    );
  }, 30_000);

  it("passes a WebSocket through the ingress", async () => {
    const target = new URL(url);
    const socket = net.connect(Number(target.port), target.hostname);
    try {
      const key = createHash("sha1").update(String(Math.random())).digest("base64").slice(0, 24);
      socket.write(
        `GET ${target.pathname}ws HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      const received: Buffer[] = [];
      socket.on("data", (c: Buffer) => received.push(c));
      await expect.poll(() => Buffer.concat(received).toString("latin1"), { timeout: 10_000 }).toContain("\r\n\r\n");
      expect(Buffer.concat(received).toString("latin1")).toMatch(/^HTTP\/1\.1 101/);
      received.length = 0;
      const payload = Buffer.from("hello through the ingress");
      const mask = Buffer.from([9, 8, 7, 6]);
      socket.write(
        Buffer.concat([
          Buffer.from([0x81, 0x80 | payload.length]),
          mask,
          payload.map((b, i) => b ^ (mask[i % 4] as number)),
        ]),
      );
      await expect.poll(() => Buffer.concat(received).length, { timeout: 10_000 }).toBe(2 + payload.length);
      expect(Buffer.concat(received).subarray(2).toString()).toBe("hello through the ingress");
    } finally {
      socket.destroy();
    }
  });

  it("keeps the data on its persistent volume across a provider restart", async () => {
    await provider.stop();
    provider = await startProviderNode(network.config, { defer: cleanup.defer });
    const back = await getUntil(`${url}get`, (status) => status === 200);
    expect(back.body).toBe("before-restart\n");
    expect((await fetch(`${url}put?v=after-restart`)).status).toBe(200);
    expect(await (await fetch(`${url}get`)).text()).toBe("before-restart\nafter-restart\n");
  }, 120_000);

  it("ocx job status shows the services and the URL; logs are per service", async () => {
    const status = await ocx(["job", "status", String(leaseId)]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/web\s+healthy/);
    expect(status.stdout).toMatch(/db\s+healthy/);
    expect(status.stdout).toContain(url);
    const logs = await ocx(["job", "logs", String(leaseId), "--service", "web"]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("web listening on 8080");
  }, 60_000);

  it("ocx job close ends the lease: in-flight requests end at once, the URL goes away, the TCP port refuses", async () => {
    // A request the service never answers, in flight when the lease closes: it ends with the lease, not at the
    // ingress's 60 s read timeout.
    const held = fetch(`${url}hold`).then(
      () => ({ at: Date.now(), outcome: "answered" }),
      (e: Error & { cause?: { code?: string; message?: string } }) => ({
        at: Date.now(),
        outcome: e.cause?.code ?? e.cause?.message ?? e.message,
      }),
    );
    // The TCP port answers until the node sees the close, then refuses. A connection open at that moment is reset;
    // none is accepted and closed without an answer (as when the services stopped before the listener did).
    const tcpWatch = (async () => {
      const deadline = Date.now() + 30_000;
      const seen: string[] = [];
      while (Date.now() < deadline) {
        const answer = await tcpRoundTrip(tcpUrl, "ping").catch((e: Error) => e.message);
        if (answer !== "echo: ping") seen.push(answer);
        if (/ECONNREFUSED/.test(answer)) return seen;
        await new Promise((r) => setTimeout(r, 20));
      }
      return [...seen, "still not refused after 30 s"];
    })();
    const closed = await ocx(["job", "close", String(leaseId)]);
    const closedAt = Date.now();
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toMatch(/closed; .* refunded/);
    const ended = await held;
    expect(ended.outcome).not.toBe("answered");
    expect(ended.at - closedAt, `the held request ended ${ended.at - closedAt} ms after the close`).toBeLessThan(
      10_000,
    );
    console.log(
      `a request in flight when the lease closed ended ${ended.at - closedAt} ms after \`ocx job close\` returned (${ended.outcome})`,
    );
    const gone = await getUntil(`${url}get`, (status) => status === 404, 30_000);
    expect(gone.body).toMatch(new RegExp(`no service lease ${leaseId}`));
    // Its TCP port is given back too.
    const tcpEnd = await tcpWatch;
    expect(tcpEnd.at(-1)).toMatch(/ECONNREFUSED/);
    for (const outcome of tcpEnd.slice(0, -1)) expect(outcome).toMatch(/ECONNRESET/);
  }, 120_000);
});
