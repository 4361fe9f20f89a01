// The ingress against real services: HTTP servers on real Unix sockets (as the runtime's port bridge
// exposes them), a real SQLite database, and real clients over TCP.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, createMetrics, openStore, type Store } from "@ocx/node-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ingress, type IngressBackend, type IngressEndpoint, startIngress } from "./index.js";

let dir: string;
let db: Store;
let ingress: Ingress | undefined;
const metrics = createMetrics("ocx_test_");
const servers: (http.Server | net.Server)[] = [];
const endpoints = new Map<bigint, IngressEndpoint[]>();
const states = new Map<string, { state: string; reason?: string }>();
const backend: IngressBackend = {
  leases: () => [...endpoints.keys()],
  endpoints: (id) => endpoints.get(id) ?? [],
  serviceState: (id, service) => states.get(`${id}/${service}`),
};

async function listenOn<S extends http.Server | net.Server>(server: S, socketPath: string): Promise<S> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, () => resolve()));
  return server;
}

/** A tiny WebSocket echo over the raw upgraded socket (unmasked server frames, short text frames only). */
function wsEcho(req: http.IncomingMessage, socket: net.Socket) {
  const key = req.headers["sec-websocket-key"] as string;
  const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  socket.on("data", (frame: Buffer) => {
    const length = (frame[1] as number) & 0x7f;
    const mask = frame.subarray(2, 6);
    const payload = Buffer.from(frame.subarray(6, 6 + length).map((b, i) => b ^ (mask[i % 4] as number)));
    socket.write(Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ocx-ingress-"));
  db = openStore(path.join(dir, "provider.db"), []);
  const web = http.createServer((req, res) => {
    if (req.url?.startsWith("/stream")) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first\n");
      setTimeout(() => res.end("last\n"), 400);
      return;
    }
    if (req.url?.startsWith("/slow")) return void setTimeout(() => res.end("late"), 2000);
    if (req.url?.startsWith("/pause")) {
      res.writeHead(200);
      res.write("before\n");
      return void setTimeout(() => res.end("after\n"), 2600);
    }
    if (req.url?.startsWith("/hold")) return; // never answers: holds a connection
    let body = 0;
    req.on("data", (c: Buffer) => {
      body += c.byteLength;
    });
    req.on("end", () =>
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          body,
          host: req.headers.host,
          prefix: req.headers["x-forwarded-prefix"] ?? null,
          forwardedFor: req.headers["x-forwarded-for"] ?? null,
        }),
      ),
    );
  });
  web.on("upgrade", wsEcho);
  await listenOn(web, path.join(dir, "web-8080.sock"));
  await listenOn(
    net.createServer((s) => s.pipe(s)),
    path.join(dir, "db-5432.sock"),
  );
  await listenOn(
    net.createServer((s) => s.pipe(s)),
    path.join(dir, "raw-7000.sock"),
  );
  // A service whose kept-alive connection dies when reused (as through a bridge that closed its side): the
  // first request on each connection is answered, the next one is cut.
  await listenOn(
    net.createServer((socket) => {
      let requests = 0;
      socket.on("data", () => {
        if (++requests === 1) socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok");
        else socket.destroy();
      });
    }),
    path.join(dir, "flaky-8000.sock"),
  );
  endpoints.set(7n, [
    {
      service: "web",
      port: 8080,
      protocol: "http",
      expose: "public",
      socketPath: path.join(dir, "web-8080.sock"),
      hosts: ["shop.example.org"],
      http: { maxBodyBytes: 1000, readTimeoutMs: 800 },
    },
    { service: "db", port: 5432, protocol: "tcp", expose: "internal", socketPath: path.join(dir, "db-5432.sock") },
    {
      service: "web",
      port: 9100,
      protocol: "http",
      expose: "public",
      socketPath: path.join(dir, "web-8080.sock"),
      http: { readTimeoutMs: 5000 },
    },
    { service: "flaky", port: 8000, protocol: "http", expose: "public", socketPath: path.join(dir, "flaky-8000.sock") },
    { service: "raw", port: 7000, protocol: "tcp", expose: "public", socketPath: path.join(dir, "raw-7000.sock") },
    { service: "api", port: 9000, protocol: "http", expose: "public", socketPath: path.join(dir, "api-9000.sock") },
  ]);
  states.set("7/api", { state: "restarting", reason: "health check failed 3×" });
  ingress = await startIngress({
    listen: "127.0.0.1:0",
    domain: "ingress.test",
    tcpPorts: "31500-31599",
    maxConnectionsPerLease: 4,
    defaults: { nextTries: 2 },
    backend,
    db,
    metrics,
    log: createLogger({ level: "error" }),
  });
});

afterAll(async () => {
  await ingress?.close();
  for (const server of servers) server.close();
  db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const base = () => (ingress as Ingress).url;
/** A GET with a chosen Host header (fetch sets its own). */
const withHost = (host: string, pathname: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(base());
    http
      .get({ host: url.hostname, port: url.port, path: pathname, headers: { host } }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, redirect: "manual" });

describe("ingress", () => {
  it("routes the path-based fallback with the prefix stripped and X-Forwarded-Prefix set", async () => {
    const response = await get(`${base()}/l/7/8080/api/items?x=1`);
    expect(response.status).toBe(200);
    const seen = (await response.json()) as Record<string, unknown>;
    expect(seen).toMatchObject({ method: "GET", url: "/api/items?x=1", prefix: "/l/7/8080" });
    expect(seen.forwardedFor).toBe("127.0.0.1");
    const folder = await get(`${base()}/l/7/8080?y=2`);
    expect(folder.status).toBe(308);
    expect(folder.headers.get("location")).toBe("/l/7/8080/?y=2");
  });

  it("routes by host name: l<lease>-<port>.<domain> and the manifest's accepted hosts", async () => {
    const port = new URL(base()).port;
    const byName = await withHost(`l7-8080.ingress.test:${port}`, "/a");
    expect(JSON.parse(byName.body).url).toBe("/a");
    const accepted = await withHost("shop.example.org", "/b");
    expect(JSON.parse(accepted.body)).toMatchObject({ url: "/b", host: "shop.example.org", prefix: null });
    const unknown = await withHost("l9-80.ingress.test", "/");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatch(/no service lease 9/);
  });

  it("never reaches an internal port, and says which ports are public", async () => {
    const internal = await get(`${base()}/l/7/5432/`);
    expect(internal.status).toBe(404);
    expect(await internal.text()).toMatch(/no public HTTP port 5432; its public HTTP ports: 8080, 9100, 8000, 9000/);
    const tcp = await get(`${base()}/l/7/7000/`);
    expect(tcp.status).toBe(404);
    expect(await tcp.text()).toMatch(/plain TCP port/);
  });

  it("retries a request without a body on a new connection when a pooled one turns out closed", async () => {
    for (let i = 0; i < 3; i++) {
      const response = await get(`${base()}/l/7/8000/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("ok");
    }
  });

  it("answers 502 with the runtime's state of a service that does not listen", async () => {
    const response = await get(`${base()}/l/7/9000/`);
    expect(response.status).toBe(502);
    expect(await response.text()).toMatch(/service api is restarting \(health check failed 3×\)/);
  });

  it("passes a body within the limit and refuses one above it with 413", async () => {
    const ok = await fetch(`${base()}/l/7/8080/up`, { method: "POST", body: "x".repeat(900) });
    expect(((await ok.json()) as Record<string, unknown>).body).toBe(900);
    const big = await fetch(`${base()}/l/7/8080/up`, { method: "POST", body: "x".repeat(5000) });
    expect(big.status).toBe(413);
    expect(await big.text()).toMatch(/above the 1000 bytes/);
  });

  it("answers 504 when the service is slower than its read timeout", async () => {
    const response = await get(`${base()}/l/7/8080/slow`);
    expect(response.status).toBe(504);
    expect(await response.text()).toMatch(/sent nothing for 800 ms/);
  });

  it("streams a response chunk by chunk: the first chunk arrives before the service ends it", async () => {
    const started = performance.now();
    const response = await get(`${base()}/l/7/8080/stream`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    const firstAt = performance.now() - started;
    expect(new TextDecoder().decode(first.value)).toBe("first\n");
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    const endAt = performance.now() - started;
    expect(rest).toBe("last\n");
    expect(firstAt).toBeLessThan(300);
    expect(endAt).toBeGreaterThanOrEqual(390);
  });

  it("keeps a stream that pauses longer than the connection pool's idle expiry", async () => {
    const response = await get(`${base()}/l/7/9100/pause`);
    expect(await response.text()).toBe("before\nafter\n");
  });

  it("upgrades a WebSocket and pipes frames both ways", async () => {
    const url = new URL(base());
    const socket = net.connect(Number(url.port), url.hostname);
    socket.write(
      "GET /l/7/8080/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    const received: Buffer[] = [];
    const text = () => Buffer.concat(received).toString("latin1");
    socket.on("data", (c: Buffer) => received.push(c));
    await expect.poll(text).toContain("\r\n\r\n");
    expect(text()).toMatch(/^HTTP\/1\.1 101/);
    expect(text()).toContain("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    received.length = 0;
    const payload = Buffer.from("hello");
    const mask = Buffer.from([1, 2, 3, 4]);
    socket.write(
      Buffer.concat([
        Buffer.from([0x81, 0x80 | payload.length]),
        mask,
        payload.map((b, i) => b ^ (mask[i % 4] as number)),
      ]),
    );
    await expect.poll(() => Buffer.concat(received).length).toBe(2 + payload.length);
    expect(Buffer.concat(received).subarray(2).toString()).toBe("hello");
    socket.destroy();
  });

  it("forwards a public TCP port on a stable host port, and never an internal one", async () => {
    const urls = (ingress as Ingress).urlsOf(7n);
    const raw = urls.find((u) => u.service === "raw");
    expect(raw?.url).toMatch(/^tcp:\/\/127\.0\.0\.1:315\d\d$/);
    expect(urls.find((u) => u.service === "db")).toBeUndefined();
    expect(urls.find((u) => u.service === "web")).toMatchObject({
      url: "http://l7-8080.ingress.test/",
      also: [`${base()}/l/7/8080/`, "http://shop.example.org/"],
    });
    const port = Number(new URL((raw as { url: string }).url.replace("tcp:", "http:")).port);
    const socket = net.connect(port, "127.0.0.1");
    const echoed = new Promise<string>((resolve) => socket.once("data", (c) => resolve(c.toString())));
    socket.write("ping");
    expect(await echoed).toBe("ping");
    socket.destroy();
  });

  it("caps a lease's open connections", async () => {
    const held = Array.from({ length: 4 }, () => {
      const controller = new AbortController();
      return { controller, done: get(`${base()}/l/7/8080/hold`).catch(() => undefined) };
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await get(`${base()}/l/7/8080/`);
    expect(refused.status).toBe(503);
    expect(await refused.text()).toMatch(/4 connections open/);
    // The held requests end at their read timeout (800 ms) and free their slots.
    await Promise.all(held.map((h) => h.done));
    expect((await get(`${base()}/l/7/8080/`)).status).toBe(200);
  });

  it("ends a closing lease's connections at once and stops its TCP port before its services stop", async () => {
    // Lease 8: the same services as lease 7, with the default 60 s read timeout.
    const webSocket = path.join(dir, "web-8080.sock");
    endpoints.set(8n, [
      { service: "web", port: 8080, protocol: "http", expose: "public", socketPath: webSocket },
      { service: "raw", port: 7000, protocol: "tcp", expose: "public", socketPath: path.join(dir, "raw-7000.sock") },
    ]);
    const ingressNow = ingress as Ingress;
    await ingressNow.sync();
    const tcpUrl = ingressNow.urlsOf(8n).find((u) => u.protocol === "tcp")?.url as string;
    const tcpPort = Number(new URL(tcpUrl.replace("tcp:", "http:")).port);
    const { hostname, port } = new URL(base());
    // The ingress resets the lease's sockets: the reset (ECONNRESET) is expected, so each watched socket listens for it.
    const closed = (socket: net.Socket) => {
      socket.on("error", () => {});
      return new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
    };
    // A kept-alive client connection, idle after its answer: one for lease 8, one for lease 7 (which stays).
    const keptAlive = async (lease: bigint) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const req = http.get({ host: hostname, port, path: `/l/${lease}/8080/`, agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(req.socket as net.Socket));
        });
        req.on("error", reject);
      });
      return { agent, socket, closedAt: closed(socket) };
    };
    const idle8 = await keptAlive(8n);
    const idle7 = await keptAlive(7n);
    // A request in flight that the service never answers.
    const inFlight = new Promise<{ at: number; error: string }>((resolve) => {
      http
        .get({ host: hostname, port, path: "/l/8/8080/hold", agent: false }, () =>
          resolve({ at: Date.now(), error: "answered" }),
        )
        .on("error", (e) => resolve({ at: Date.now(), error: e.message }));
    });
    // An open forwarded TCP connection.
    const tcp = net.connect(tcpPort, "127.0.0.1");
    tcp.on("error", () => {});
    const echoed = new Promise<string>((resolve) => tcp.once("data", (c) => resolve(c.toString())));
    tcp.write("ping");
    expect(await echoed).toBe("ping");
    const tcpClosedAt = closed(tcp);
    await new Promise((r) => setTimeout(r, 200));

    // The lease leaves the live leases (as the node moves it to stopping), then the node ends its traffic.
    endpoints.delete(8n);
    const started = Date.now();
    await ingressNow.endLease(8n);
    // Its TCP port listens no more as soon as endLease returns: a connection is refused, never accepted and closed.
    await expect(
      new Promise((resolve, reject) =>
        net.connect(tcpPort, "127.0.0.1").once("connect", resolve).once("error", reject),
      ),
    ).rejects.toThrow(/ECONNREFUSED/);
    const ended = await inFlight;
    expect(ended.error).toMatch(/socket hang up|ECONNRESET/);
    for (const at of [ended.at, await idle8.closedAt, await tcpClosedAt]) expect(at - started).toBeLessThan(1000);
    // Another lease's kept-alive connection is untouched, and new requests to the ended lease are refused.
    expect(idle7.socket.destroyed).toBe(false);
    expect((await get(`${base()}/l/8/8080/`)).status).toBe(404);
    idle7.agent.destroy();
    idle8.agent.destroy();
  });

  it("counts what became of each request", async () => {
    const text = await metrics.getSingleMetricAsString("ocx_provider_ingress_requests_total");
    for (const outcome of ["proxied", "websocket", "404", "413", "502", "503", "504"]) {
      expect(text).toMatch(new RegExp(`outcome="${outcome}"\\} [1-9]`));
    }
  });

  it("takes another port when its default one is in use, and fails with the field's name when it was chosen", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const taken = (blocker.address() as net.AddressInfo).port;
    const options = {
      listen: `127.0.0.1:${taken}`,
      tcpPorts: "31600-31609",
      maxConnectionsPerLease: 4,
      backend: { leases: () => [], endpoints: () => [] },
      // Its own database: an ingress forgets the TCP ports of leases its backend does not list.
      db: openStore(path.join(dir, "other.db"), []),
      log: createLogger({ level: "error" }),
    };
    try {
      await expect(startIngress(options)).rejects.toThrow(`ingress.listen 127.0.0.1:${taken} is already in use`);
      const elsewhere = await startIngress({ ...options, anyPortIfTaken: true });
      expect(Number(new URL(elsewhere.url).port)).not.toBe(taken);
      await elsewhere.close();
    } finally {
      blocker.close();
      options.db.close();
    }
  });

  it("releases a lease's TCP port when the lease ends, and keeps the assignment across restarts", async () => {
    const before = (ingress as Ingress).urlsOf(7n).find((u) => u.service === "raw")?.url;
    await (ingress as Ingress).close();
    ingress = await startIngress({
      listen: "127.0.0.1:0",
      tcpPorts: "31500-31599",
      maxConnectionsPerLease: 4,
      backend,
      db,
      log: createLogger({ level: "error" }),
    });
    expect(ingress.urlsOf(7n).find((u) => u.service === "raw")?.url).toBe(before);
    endpoints.delete(7n);
    await ingress.sync();
    expect(ingress.urlsOf(7n)).toEqual([]);
    const port = Number(new URL((before as string).replace("tcp:", "http:")).port);
    await expect(
      new Promise((resolve, reject) => net.connect(port, "127.0.0.1").once("connect", resolve).once("error", reject)),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
