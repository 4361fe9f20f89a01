// The port bridge of a service lease: one small Node process inside the lease's network namespace
// that listens on a Unix socket per declared port, `<leaseDir>/sockets/<service>-<port>.sock`, and
// connects each accepted stream to 127.0.0.1:<port> in the namespace. Unix sockets live in the file
// system, not in a network namespace: that is how the ingress (outside) reaches a service (inside)
// with nothing else shared. Ports the manifest does not declare get no socket, so they are
// unreachable from outside. The same process answers the node's health probes (tcp, http) on a
// control socket, since only a process inside the namespace can reach 127.0.0.1 there.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { WORKLOAD_MARKER } from "../workload/wrapper.js";

/**
 * The bridge, run as `node -e BRIDGE_SCRIPT CONFIG_JSON`. CONFIG_JSON: { control, sockets: [{ path,
 * port }], reverse?: [{ port, path }] }. Streams are piped both ways with half-close kept; a refused
 * backend closes the client. A reverse entry goes the other way: it listens on 127.0.0.1:<port>
 * inside the namespace and connects each stream to the Unix socket <path> outside (chain reads).
 * Control protocol: one JSON line per request `{ id, kind: "tcp"|"http", port, path?, timeoutMs }`,
 * answered by one line `{ id, ok, detail }`.
 */
export const BRIDGE_SCRIPT = `
const net = require("node:net"), http = require("node:http"), fs = require("node:fs");
const config = JSON.parse(process.argv[1]);
const listen = (file, handler) => {
  try { fs.unlinkSync(file); } catch {}
  const server = net.createServer({ allowHalfOpen: true }, handler);
  server.listen(file, () => fs.chmodSync(file, 0o600));
  server.on("error", (e) => { process.stderr.write("bridge " + file + ": " + e.message + "\\n"); process.exit(1); });
};
for (const s of config.sockets) {
  listen(s.path, (client) => {
    const upstream = net.connect({ port: s.port, host: "127.0.0.1", allowHalfOpen: true });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream); upstream.pipe(client);
  });
}
for (const r of config.reverse || []) {
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ path: r.path, allowHalfOpen: true });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream); upstream.pipe(client);
  });
  server.listen(r.port, "127.0.0.1");
  server.on("error", (e) => { process.stderr.write("bridge 127.0.0.1:" + r.port + ": " + e.message + "\\n"); process.exit(1); });
}
const probe = (req, done) => {
  const timer = setTimeout(() => finish(false, "no answer within " + req.timeoutMs + " ms"), req.timeoutMs);
  let settled = false;
  const finish = (ok, detail) => { if (settled) return; settled = true; clearTimeout(timer); done(ok, detail); };
  if (req.kind === "tcp") {
    const s = net.connect({ port: req.port, host: "127.0.0.1" }, () => { s.destroy(); finish(true, "port " + req.port + " accepts connections"); });
    s.on("error", (e) => finish(false, "port " + req.port + ": " + e.code));
  } else {
    const r = http.get({ host: "127.0.0.1", port: req.port, path: req.path, headers: { host: "localhost" } }, (res) => {
      res.resume();
      const ok = res.statusCode >= 200 && res.statusCode < 400;
      finish(ok, "GET " + req.path + " on port " + req.port + " answered " + res.statusCode);
    });
    r.on("error", (e) => finish(false, "GET " + req.path + " on port " + req.port + ": " + e.code));
  }
};
listen(config.control, (c) => {
  let buffer = "";
  c.on("error", () => {});
  c.on("data", (chunk) => {
    buffer += chunk;
    for (let i = buffer.indexOf("\\n"); i >= 0; i = buffer.indexOf("\\n")) {
      const line = buffer.slice(0, i); buffer = buffer.slice(i + 1);
      let req; try { req = JSON.parse(line); } catch { continue; }
      probe(req, (ok, detail) => { if (!c.destroyed) c.write(JSON.stringify({ id: req.id, ok, detail }) + "\\n"); });
    }
  });
});
process.on("SIGTERM", () => process.exit(0));
`;

/** One bridged port. */
export interface BridgedPort {
  /** The Unix socket's path. */
  path: string;
  /** The port inside the namespace. */
  port: number;
}

/** Where a bridge keeps its pid, to find it again after a node restart. */
const pidFile = (control: string) => `${control}.pid`;

/** Whether `pid` is the bridge whose control socket is `control` (alive, and not a reused pid). */
export function isBridgeAlive(pid: number, control: string): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(JSON.stringify(control));
  } catch {
    return false;
  }
}

/**
 * Starts the bridge of a lease in namespace `netnsFile` (detached: it outlives the node, like the
 * services), replacing an earlier one. Resolves once every socket is listening. `marker` marks it
 * for `reap` (the workload marker variable).
 */
export async function startBridge(options: {
  netnsFile: string;
  control: string;
  ports: BridgedPort[];
  /** Ports inside the namespace whose streams go out to a Unix socket of the node (see BRIDGE_SCRIPT). */
  reverse?: BridgedPort[];
  marker: string;
  logFile: string;
  nsenterPath?: string;
}): Promise<{ pid: number }> {
  stopBridge(options.control);
  for (const file of [options.control, ...options.ports.map((p) => p.path)]) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    rmSync(file, { force: true });
  }
  const { openSync, closeSync, writeFileSync } = await import("node:fs");
  const log = openSync(options.logFile, "a");
  const config = JSON.stringify({ control: options.control, sockets: options.ports, reverse: options.reverse ?? [] });
  const child = spawn(
    options.nsenterPath ?? "/usr/bin/nsenter",
    [`--net=${options.netnsFile}`, process.execPath, "--max-old-space-size=64", "-e", BRIDGE_SCRIPT, config],
    { detached: true, stdio: ["ignore", log, log], env: { PATH: "/usr/bin:/bin", [WORKLOAD_MARKER]: options.marker } },
  );
  closeSync(log);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("spawn", () => resolve(child.pid as number));
    child.once("error", reject);
  });
  child.unref();
  writeFileSync(pidFile(options.control), String(pid));
  const deadline = Date.now() + 10_000;
  const files = [options.control, ...options.ports.map((p) => p.path)];
  while (!files.every((f) => existsSync(f))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const tail = readFileSync(options.logFile, "utf8").slice(-500);
      throw new Error(
        `the port bridge did not start (${child.exitCode !== null ? `exited ${child.exitCode}` : "timed out"}): ${tail.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { pid };
}

/** Ends the bridge whose control socket is `control`, if it runs; removes its sockets' pid file. */
export function stopBridge(control: string): void {
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(pidFile(control), "utf8"));
  } catch {
    return;
  }
  if (pid && isBridgeAlive(pid, control)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  rmSync(pidFile(control), { force: true });
}

/** Whether the bridge of `control` runs now. */
export function bridgeRunning(control: string): boolean {
  try {
    return isBridgeAlive(Number(readFileSync(pidFile(control), "utf8")), control);
  } catch {
    return false;
  }
}

let probeSeq = 0;

/**
 * Asks the bridge to probe 127.0.0.1:`port` inside the namespace: a TCP connect, or an HTTP GET of
 * `path` (2xx or 3xx is healthy). Resolves { ok, detail }; never rejects.
 */
export function probe(
  control: string,
  request: { kind: "tcp" | "http"; port: number; path?: string; timeoutMs: number },
): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const id = ++probeSeq;
    let buffer = "";
    let settled = false;
    const done = (answer: { ok: boolean; detail: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(
      () => done({ ok: false, detail: `no answer within ${request.timeoutMs} ms` }),
      request.timeoutMs + 1000,
    );
    const socket = connect(control, () => socket.write(`${JSON.stringify({ id, ...request })}\n`));
    socket.on("data", (chunk) => {
      buffer += chunk.toString();
      const line = buffer.split("\n")[0];
      if (buffer.includes("\n") && line) {
        try {
          const answer = JSON.parse(line) as { ok: boolean; detail: string };
          done({ ok: answer.ok, detail: answer.detail });
        } catch {
          done({ ok: false, detail: "the bridge answered something unreadable" });
        }
      }
    });
    socket.on("error", (error) => done({ ok: false, detail: `the port bridge is not reachable: ${error.message}` }));
  });
}
