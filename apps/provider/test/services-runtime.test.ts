// The service runtime on its own, with real namespaces, bubblewrap, cgroups and Node services:
// two services of one lease reach each other by name, a declared port is reachable through its
// Unix socket and an undeclared one is not, another lease cannot reach them, a crash loop and a
// full volume stop a service with the reason, and stopping the lease removes what it made.
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@ocx/node-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNetns, netnsName, netnsPath } from "../src/services/network.js";
import { reapServiceLeftovers } from "../src/services/reap.js";
import { createServiceRuntime, type ServiceLeaseSpec, type ServiceRuntime } from "../src/services/runtime.js";
import type { ServiceSpec, ServiceStatus } from "../src/services/types.js";
import { volumeDir } from "../src/services/volumes.js";
import { createBwrapExecutor } from "../src/workload/bwrap.js";
import { detectCgroupHost } from "../src/workload/cgroup.js";
import { createImageStore, type ImageStore } from "../src/workload/image/store.js";
import { buildTestImage, TEST_IMAGE_MARKER } from "../src/workload/image/testImage.js";
import { markedProcesses } from "../src/workload/reap.js";

const TAG = `t7test${process.pid}`;

/** The "db": a TCP server on 5432 that appends `PUT x` lines to /data/db.txt and answers with the file. */
const DB = `const net=require("net"),fs=require("fs");net.createServer(c=>c.on("data",d=>{const l=String(d).trim();if(l.startsWith("PUT "))fs.appendFileSync("/data/db.txt",l.slice(4)+"\\n");c.end(fs.existsSync("/data/db.txt")?fs.readFileSync("/data/db.txt","utf8"):"")})).listen(5432,"127.0.0.1")`;
/** The "web": HTTP on 8080 (/health, /put?v=, /get through db:5432 by name), and an undeclared listener on 9999. */
const WEB = `const http=require("http"),net=require("net");const ask=(l,cb)=>{const s=net.connect(5432,process.env.DB_HOST);let o="";s.on("data",d=>o+=d);s.on("end",()=>cb(null,o));s.on("error",e=>cb(e));s.write(l+"\\n")};http.createServer((q,r)=>{const u=new URL(q.url,"http://x");if(u.pathname==="/health")return r.end("ok");const l=u.pathname==="/put"?"PUT "+u.searchParams.get("v"):"GET";ask(l,(e,o)=>{r.statusCode=e?502:200;r.end(e?String(e.code):o)})}).listen(8080,"127.0.0.1");net.createServer(c=>c.end("secret")).listen(9999,"127.0.0.1")`;

const service = (s: Partial<ServiceSpec> & { name: string }): ServiceSpec => ({
  env: {},
  ports: [],
  restart: "always",
  mounts: [],
  shmMiB: 64,
  dependsOn: [],
  ...s,
});

const get = (socketPath: string, urlPath: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath, path: urlPath, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const byName = (statuses: ServiceStatus[] | undefined, name: string) => statuses?.find((s) => s.name === name);

describe.skipIf(!(await createBwrapExecutor().check()).ok || process.getuid?.() !== 0)("service runtime", () => {
  let dir: string;
  let stateDir: string;
  let runtime: ServiceRuntime;
  let images: ImageStore;
  const leases: ServiceLeaseSpec[] = [];

  const lease = async (id: bigint, services: ServiceSpec[], volumes: ServiceLeaseSpec["volumes"] = []) => {
    const spec: ServiceLeaseSpec = {
      id,
      root: path.join(stateDir, "leases", String(id)),
      jobDir: path.join(dir, "jobs", String(id)),
      services,
      volumes,
      limits: { memoryMiB: 512, cpuMillicores: 1000, pids: 256, diskMiB: 256 },
    };
    await mkdir(spec.jobDir, { recursive: true });
    leases.push(spec);
    await runtime.start(spec);
    return spec;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ocx-services-"));
    await chmod(dir, 0o711);
    stateDir = path.join(dir, "state");
    await mkdir(path.join(dir, "jobs"), { recursive: true, mode: 0o711 });
    const image = buildTestImage(path.join(dir, "image"));
    images = createImageStore({ dir: path.join(dir, "images"), layouts: [image.layout], pull: false });
    runtime = createServiceRuntime({
      stateDir,
      workloadTag: TAG,
      images,
      log: createLogger({ level: process.env.OCX_TEST_LOG ? "debug" : "error" }),
      tuning: { backoffMs: 50, crashLoopRestarts: 3, crashLoopWindowMs: 20_000 },
    });
  });

  afterAll(async () => {
    for (const spec of leases) await runtime?.stop(spec.id, "test over", 1000).catch(() => {});
    runtime?.close();
    await reapServiceLeftovers(await detectCgroupHost(), () => false, { prefix: `${TAG}-` });
    await createBwrapExecutor().reap(() => false, { prefix: `${TAG}-` });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs two services that reach each other by name, bridges declared ports only, and isolates leases", async () => {
    const spec = await lease(
      1n,
      [
        service({
          name: "db",
          command: ["node", "-e", DB],
          ports: [{ port: 5432, protocol: "tcp", expose: "internal", hosts: [] }],
          health: { tcp: { port: 5432 }, intervalSeconds: 1, timeoutSeconds: 2, failures: 3, startSeconds: 10 },
          mounts: [{ volume: "dbdata", path: "/data", readOnly: false }],
        }),
        service({
          name: "web",
          command: ["node", "-e", WEB],
          env: { DB_HOST: "db" },
          ports: [{ port: 8080, protocol: "http", expose: "public", hosts: [] }],
          health: {
            http: { port: 8080, path: "/health" },
            intervalSeconds: 1,
            timeoutSeconds: 2,
            failures: 3,
            startSeconds: 10,
          },
          dependsOn: ["db"],
        }),
      ],
      [{ name: "dbdata", sizeMiB: 16, class: "persistent" }],
    );
    await waitFor("both services healthy", () => {
      const s = runtime.status(1n);
      return s?.every((x) => x.state === "healthy") && s;
    });
    const endpoints = runtime.endpoints(1n);
    expect(endpoints.map((e) => `${e.service}-${e.port}-${e.expose}`).sort()).toEqual([
      "db-5432-internal",
      "web-8080-public",
    ]);
    const web = endpoints.find((e) => e.service === "web")?.socketPath as string;
    expect(web).toBe(path.join(spec.root, "sockets", "web-8080.sock"));
    expect((await get(web, "/put?v=hello")).body).toBe("hello\n");
    expect((await get(web, "/get")).body).toBe("hello\n");
    // The data is in the persistent volume on the host.
    expect(await readFile(path.join(volumeDir(stateDir, 1n, "dbdata"), "db.txt"), "utf8")).toBe("hello\n");
    // Port 9999 listens inside, but is not declared: no socket leads to it.
    expect(existsSync(path.join(spec.root, "sockets", "web-9999.sock"))).toBe(false);
    expect(existsSync(netnsPath(netnsName(`${TAG}-1`)))).toBe(true);

    // Lease 2 tries lease 1's db on its own loopback, and the host's network: neither is there.
    await lease(2n, [
      service({
        name: "prober",
        restart: "never",
        command: [
          "node",
          "-e",
          `const net=require("net"),fs=require("fs");const r=[];const t=(h,p)=>new Promise(ok=>{const s=net.connect(p,h);s.setTimeout(2000,()=>{r.push(h+":timeout");s.destroy();ok()});s.on("connect",()=>{r.push(h+":reached");s.destroy();ok()});s.on("error",e=>{r.push(h+":"+e.code);ok()})});(async()=>{await t("127.0.0.1",5432);await t("db",5432);await t("10.0.2.2",80);fs.writeFileSync("/job/probe.txt",r.join(" "))})()`,
        ],
      }),
    ]);
    await waitFor("the prober to finish", () => byName(runtime.status(2n), "prober")?.state === "stopped");
    const probed = await readFile(path.join(dir, "jobs", "2", "probe.txt"), "utf8");
    expect(probed).toContain("127.0.0.1:ECONNREFUSED");
    expect(probed).toMatch(/db:(ENOTFOUND|EAI_AGAIN)/);
    expect(probed).toContain("10.0.2.2:ENETUNREACH");
  }, 90_000);

  it("stops a crash-looping service with the reason, and one that fills its volume", async () => {
    await lease(
      3n,
      [
        service({ name: "crash", command: ["sh", "-c", "echo starting; exit 3"] }),
        service({
          name: "filler",
          command: ["sh", "-c", "dd if=/dev/zero of=/data/big bs=1M count=8 2>/dev/null; sleep 600"],
          mounts: [{ volume: "small", path: "/data", readOnly: false }],
        }),
      ],
      [{ name: "small", sizeMiB: 2, class: "persistent" }],
    );
    const crash = await waitFor("crash-looping", () => {
      const s = byName(runtime.status(3n), "crash");
      return s?.state === "crash-looping" && s;
    });
    expect(crash.reason).toMatch(/crash-looping: 3 restarts within 20 s, last exited with code 3/);
    expect(crash.lastExit?.exitCode).toBe(3);
    expect(crash.restarts).toBe(3);
    const filler = await waitFor("the filler stopped", () => {
      const s = byName(runtime.status(3n), "filler");
      return s?.state === "stopped" && s;
    });
    expect(filler.reason).toMatch(/volume "small" is full: it holds \d+ MiB of its 2 MiB/);
    const log = await readFile(path.join(stateDir, "leases", "3", "services", "crash", "stdout.log"), "utf8");
    expect(log.match(/starting/g)?.length).toBe(4);
  }, 60_000);

  it("sizes /dev/shm and ram volumes, and holds the services to the lease's cgroup limits", async () => {
    await lease(
      4n,
      [
        service({
          name: "inspect",
          shmMiB: 16,
          restart: "never",
          command: ["sh", "-c", "df -k /dev/shm /scratch > /job/df.txt; exec sleep 600"],
          mounts: [{ volume: "scratch", path: "/scratch", readOnly: false }],
        }),
      ],
      [{ name: "scratch", sizeMiB: 8, class: "ram" }],
    );
    await waitFor("the inspection", () => byName(runtime.status(4n), "inspect")?.state === "healthy");
    await waitFor("df's answer", () => existsSync(path.join(dir, "jobs", "4", "df.txt")));
    await new Promise((r) => setTimeout(r, 200));
    const df = await readFile(path.join(dir, "jobs", "4", "df.txt"), "utf8");
    expect(df).toMatch(/\s16384\s.*\/dev\/shm/);
    expect(df).toMatch(/\s8192\s.*\/scratch/);
    const host = await detectCgroupHost();
    if (host.version === 1 && host.controllers.memory) {
      const leaseDir = path.join(host.controllers.memory, "ocx", `${TAG}-4`);
      expect(Number(await readFile(path.join(leaseDir, "memory.limit_in_bytes"), "utf8"))).toBe(512 * 1024 * 1024);
      expect((await readFile(path.join(leaseDir, "inspect", "cgroup.procs"), "utf8")).trim()).not.toBe("");
    }
  }, 60_000);

  it("runs a service in its image's root, with the lease's hosts and volume", async () => {
    await lease(
      6n,
      [
        service({
          name: "box",
          image: "ocx/busybox",
          restart: "never",
          command: [
            "/bin/sh",
            "-c",
            `cat ${TEST_IMAGE_MARKER} /etc/hosts > /job/box.txt; echo kept > /data/kept; exec sleep 600`,
          ],
          mounts: [{ volume: "boxdata", path: "/data", readOnly: false }],
        }),
      ],
      [{ name: "boxdata", sizeMiB: 4, class: "persistent" }],
    );
    await waitFor("the box to run", () => byName(runtime.status(6n), "box")?.state === "healthy");
    await waitFor("its answer", () => existsSync(path.join(volumeDir(stateDir, 6n, "boxdata"), "kept")));
    const box = await readFile(path.join(dir, "jobs", "6", "box.txt"), "utf8");
    expect(box).toContain("OCX busybox test image");
    expect(box).toContain("127.0.0.1\tbox");
  }, 60_000);

  it("restarts a service that fails its health check, and stops it when that loops", async () => {
    await lease(5n, [
      service({
        name: "deaf",
        command: ["sleep", "600"],
        health: { tcp: { port: 7000 }, intervalSeconds: 1, timeoutSeconds: 1, failures: 2, startSeconds: 0 },
      }),
    ]);
    const deaf = await waitFor(
      "deaf crash-looping",
      () => {
        const s = byName(runtime.status(5n), "deaf");
        return s?.state === "crash-looping" && s;
      },
      60_000,
    );
    expect(deaf.reason).toMatch(/last restarted for failing its health check: port 7000: ECONNREFUSED/);
    expect(deaf.restarts).toBe(3);
  }, 90_000);

  it("takes a lease back after a node restart: services re-attached, a dead bridge started again", async () => {
    const spec = leases.find((l) => l.id === 1n) as ServiceLeaseSpec;
    const web = path.join(spec.root, "sockets", "web-8080.sock");
    runtime.close();
    const bridgePid = Number(await readFile(path.join(spec.root, "bridge.sock.pid"), "utf8"));
    process.kill(bridgePid, "SIGKILL");
    await waitFor("the bridge gone", () => {
      try {
        process.kill(bridgePid, 0);
        return false;
      } catch {
        return true;
      }
    });
    runtime = createServiceRuntime({
      stateDir,
      workloadTag: TAG,
      images,
      log: createLogger({ level: "error" }),
      tuning: { backoffMs: 50, crashLoopRestarts: 3, crashLoopWindowMs: 20_000 },
    });
    for (const l of leases) await runtime.recover(l);
    await waitFor("both services healthy again", () => {
      const s = runtime.status(1n);
      return s?.every((x) => x.state === "healthy") && s;
    });
    expect(byName(runtime.status(1n), "db")?.restarts).toBe(0);
    expect((await get(web, "/get")).body).toBe("hello\n");
    expect(byName(runtime.status(3n), "crash")?.state).toBe("crash-looping");

    // A bridge killed while the node runs is started again by the next health check; no service restarts.
    process.kill(Number(await readFile(path.join(spec.root, "bridge.sock.pid"), "utf8")), "SIGKILL");
    const answer = await (async () => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const got = await get(web, "/get").catch(() => undefined);
        if (got || Date.now() > deadline) return got;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    expect(answer?.body).toBe("hello\n");
    expect(runtime.status(1n)?.map((s) => s.restarts)).toEqual([0, 0]);
  }, 60_000);

  it("stopping a lease ends its services and removes its network, sockets and volumes", async () => {
    await runtime.stop(1n, "the buyer closed the lease", 1000);
    expect(existsSync(netnsPath(netnsName(`${TAG}-1`)))).toBe(false);
    expect(existsSync(volumeDir(stateDir, 1n, "dbdata"))).toBe(false);
    expect(runtime.endpoints(1n)).toEqual([]);
    expect(existsSync(path.join(stateDir, "leases", "1", "sockets"))).toBe(false);
  }, 30_000);

  it("reap ends what a killed node left of its service leases: processes, cgroups, namespaces", async () => {
    runtime.close();
    expect(listNetns(netnsName(`${TAG}-`)).length).toBeGreaterThan(0);
    const report = await reapServiceLeftovers(await detectCgroupHost(), () => false, { prefix: `${TAG}-` });
    expect(report.namespaces.length).toBeGreaterThan(0);
    await createBwrapExecutor().reap(() => false, { prefix: `${TAG}-` });
    expect(listNetns(netnsName(`${TAG}-`))).toEqual([]);
    expect([...markedProcesses().keys()].filter((name) => name.startsWith(`${TAG}-`))).toEqual([]);
    const host = await detectCgroupHost();
    if (host.version === 1 && host.controllers.memory) {
      expect(existsSync(path.join(host.controllers.memory, "ocx", `${TAG}-4`))).toBe(false);
    }
  }, 30_000);
});
