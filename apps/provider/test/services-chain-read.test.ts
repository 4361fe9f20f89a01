// Chain reads for a service lease (services/chainRead.ts), with real namespaces, bubblewrap and a real
// anvil: a service that declares `chain: read` reads the chain id and a balance through
// OCX_CHAIN_RPC_URL from inside its sandbox; eth_sendRawTransaction is refused naming the method; a
// service of a lease without the declaration gets no URL and cannot reach the node's chain port.
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, startAnvil } from "@ocx/node-kit";
import { createPublicClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHAIN_READ_MAX_BODY_BYTES, CHAIN_READ_PORT, startChainReadServer } from "../src/services/chainRead.js";
import { reapServiceLeftovers } from "../src/services/reap.js";
import {
  createServiceRuntime,
  type ServiceLeaseSpec,
  type ServiceRuntime,
  socketPath,
} from "../src/services/runtime.js";
import type { ServiceSpec, ServiceStatus } from "../src/services/types.js";
import { createBwrapExecutor } from "../src/workload/bwrap.js";
import { detectCgroupHost } from "../src/workload/cgroup.js";

const TAG = `t13chain${process.pid}`;

/** A service on 8080 whose /rpc?m=<method> posts that call to OCX_CHAIN_RPC_URL (or to the default chain port) and answers what came back. */
const PROBE = `const http=require("http");http.createServer((q,r)=>{const u=new URL(q.url,"http://x");if(u.pathname==="/health")return r.end("ok");if(u.pathname==="/env")return r.end(process.env.OCX_CHAIN_RPC_URL||"none");const m=u.searchParams.get("m");const params=m==="eth_getBalance"?["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","latest"]:m==="eth_sendRawTransaction"?["0x00"]:[];const body=JSON.stringify({jsonrpc:"2.0",id:1,method:m,params});const to=new URL(process.env.OCX_CHAIN_RPC_URL||"http://127.0.0.1:${CHAIN_READ_PORT}/");const c=http.request({host:to.hostname,port:to.port,path:to.pathname,method:"POST",headers:{"content-type":"application/json"}},(s)=>{let o="";s.on("data",d=>o+=d);s.on("end",()=>r.end(o))});c.on("error",e=>r.end("error "+e.code));c.end(body)}).listen(8080,"127.0.0.1")`;

const probeService = (chain: boolean): ServiceSpec => ({
  name: "app",
  command: ["node", "-e", PROBE],
  env: {},
  ports: [{ port: 8080, protocol: "http", expose: "public", hosts: [] }],
  health: {
    http: { port: 8080, path: "/health" },
    intervalSeconds: 1,
    timeoutSeconds: 2,
    failures: 3,
    startSeconds: 10,
  },
  restart: "always",
  mounts: [],
  shmMiB: 64,
  dependsOn: [],
  ...(chain ? { chain: "read" as const } : {}),
});

const get = (socket: string, urlPath: string) =>
  new Promise<string>((resolve, reject) => {
    const req = request({ socketPath: socket, path: urlPath, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });

async function waitHealthy(runtime: ServiceRuntime, id: bigint) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = (runtime.status(id) as ServiceStatus[] | undefined)?.find((s) => s.name === "app")?.state;
    if (state === "healthy") return;
    if (Date.now() > deadline) throw new Error(`service app of lease ${id} is ${state}, not healthy`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!(await createBwrapExecutor().check()).ok || process.getuid?.() !== 0)("chain reads of a lease", () => {
  let dir: string;
  let runtime: ServiceRuntime;
  let anvil: Awaited<ReturnType<typeof startAnvil>> | undefined;
  const leases: ServiceLeaseSpec[] = [];

  const lease = async (id: bigint, chain: boolean) => {
    const spec: ServiceLeaseSpec = {
      id,
      root: path.join(dir, "state", "leases", String(id)),
      jobDir: path.join(dir, "jobs", String(id)),
      services: [probeService(chain)],
      volumes: [],
      limits: { memoryMiB: 256, cpuMillicores: 1000, pids: 128, diskMiB: 64 },
    };
    await mkdir(spec.jobDir, { recursive: true });
    leases.push(spec);
    await runtime.start(spec);
    await waitHealthy(runtime, id);
    return socketPath(spec.root, "app", 8080);
  };

  beforeAll(async () => {
    anvil = await startAnvil();
    const reader = createPublicClient({ transport: http(anvil.rpcUrl) });
    dir = await mkdtemp(path.join(tmpdir(), "ocx-chainread-"));
    await chmod(dir, 0o711);
    await mkdir(path.join(dir, "jobs"), { recursive: true, mode: 0o711 });
    runtime = createServiceRuntime({
      stateDir: path.join(dir, "state"),
      workloadTag: TAG,
      log: createLogger({ level: process.env.OCX_TEST_LOG ? "debug" : "error" }),
      chainRead: (call) => reader.request(call as Parameters<typeof reader.request>[0]),
    });
  });

  afterAll(async () => {
    for (const spec of leases) await runtime?.stop(spec.id, "test over", 1000).catch(() => {});
    runtime?.close();
    await reapServiceLeftovers(await detectCgroupHost(), () => false, { prefix: `${TAG}-` });
    await createBwrapExecutor().reap(() => false, { prefix: `${TAG}-` });
    await anvil?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("serves allowed reads to a service that declares chain: read, and refuses a transaction naming the method", async () => {
    const socket = await lease(1n, true);
    expect(await get(socket, "/env")).toBe(`http://127.0.0.1:${CHAIN_READ_PORT}/`);
    expect(JSON.parse(await get(socket, "/rpc?m=eth_chainId")).result).toBe("0x7a69");
    expect(BigInt(JSON.parse(await get(socket, "/rpc?m=eth_getBalance")).result)).toBeGreaterThan(0n);
    const refused = JSON.parse(await get(socket, "/rpc?m=eth_sendRawTransaction"));
    expect(refused.error.code).toBe(-32601);
    expect(refused.error.message).toMatch(/eth_sendRawTransaction is not allowed/);
    expect(JSON.parse(await get(socket, "/rpc?m=anvil_setBalance")).error.message).toMatch(/anvil_setBalance/);
    // A figure, not a goal: one read from inside the lease (through the port bridge in, the service, the reverse
    // bridge out, the node, anvil) against the same read straight to anvil from here.
    const median = async (f: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        await f();
        ms.push(performance.now() - t);
      }
      return ms.sort((a, b) => a - b)[15]?.toFixed(2);
    };
    const inside = await median(() => get(socket, "/rpc?m=eth_blockNumber"));
    const direct = await median(() =>
      fetch(anvil?.rpcUrl as string, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
      }).then((r) => r.text()),
    );
    console.log(
      `eth_blockNumber p50: ${inside} ms from inside the lease (via its service), ${direct} ms straight to anvil`,
    );
  }, 60_000);

  it("gives no chain access to a lease whose services do not declare it", async () => {
    const socket = await lease(2n, false);
    expect(await get(socket, "/env")).toBe("none");
    expect(await get(socket, "/rpc?m=eth_chainId")).toBe("error ECONNREFUSED");
  }, 60_000);
});

describe("the chain-read server's limits", () => {
  let dir: string;
  let server: { close(): Promise<void> } | undefined;
  const calls: string[] = [];

  const post = (socket: string, body: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { socketPath: socket, path: "/", method: "POST", headers: { "content-type": "application/json" } },
        (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ocx-chainread-limits-"));
    server = await startChainReadServer({
      socketPath: path.join(dir, "chain.sock"),
      request: async ({ method }) => {
        calls.push(method);
        return "0x1";
      },
      log: createLogger({ level: "error" }),
      callsPerSecond: 5,
    });
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers a batch, refuses bodies over the cap, bad JSON and calls over the rate, without forwarding them", async () => {
    const socket = path.join(dir, "chain.sock");
    const call = (method: string, id = 1) => ({ jsonrpc: "2.0", id, method, params: [] });
    const batch = await post(socket, JSON.stringify([call("eth_blockNumber", 1), call("eth_sendTransaction", 2)]));
    expect(batch.status).toBe(200);
    const [ok, refused] = JSON.parse(batch.body);
    expect(ok).toEqual({ jsonrpc: "2.0", id: 1, result: "0x1" });
    expect(refused.error.message).toMatch(/eth_sendTransaction is not allowed/);
    expect(calls).toEqual(["eth_blockNumber"]);
    const big = await post(
      socket,
      JSON.stringify({ ...call("eth_call"), params: ["x".repeat(CHAIN_READ_MAX_BODY_BYTES)] }),
    );
    expect(big.status).toBe(413);
    expect((await post(socket, "{not json")).status).toBe(400);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(socket, JSON.stringify(call("eth_chainId")))).status);
    expect(statuses).toContain(429);
    expect(calls.length).toBeLessThanOrEqual(1 + 5);
  });
});
