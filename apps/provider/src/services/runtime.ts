// The service runtime of a provider node: for each service lease, its private network, its port
// bridge, its volumes, the lease's cgroup, and one supervisor per service. It is what the lease
// lifecycle calls to start, recover and stop a service lease, what the API reads for the services'
// states and logs, and what the ingress asks for the Unix sockets of a lease (`serviceEndpoints`).
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@ocx/node-kit";
import { detectCgroupHost, type LeaseCgroup, leaseCgroupDirs, removeLeaseCgroup } from "../workload/cgroup.js";
import type { ImageStore } from "../workload/image/index.js";
import type { WorkloadLimits, WorkloadSpec } from "../workload/types.js";
import { bridgeRunning, probe, startBridge, stopBridge } from "./bridge.js";
import { CHAIN_READ_PORT, type ChainRequest, startChainReadServer } from "./chainRead.js";
import { EXEC_MAX_CONCURRENT, EXEC_MAX_OUTPUT_BYTES, type ExecRequest } from "./exec.js";
import { deleteNetns, ensureNetns, hostsFile, netnsName } from "./network.js";
import {
  createServiceSandbox,
  type ExecResult,
  type MountedVolume,
  type ServiceLaunch,
  type ServiceSandbox,
} from "./sandbox.js";
import {
  createSupervisor,
  DEFAULT_RESTART_TUNING,
  type RestartTuning,
  type ServiceRecord,
  type Supervisor,
} from "./supervisor.js";
import type { ServiceEndpoint, ServiceSpec, ServiceStatus, VolumeSpec } from "./types.js";
import { deleteLeaseVolumes, leaseVolumesDir, volumeDir, watchVolume } from "./volumes.js";

const MiB = 1024 * 1024;
/** Bytes of each of stdout and stderr kept per service over the whole lease. */
export const SERVICE_LOG_BUDGET_BYTES = 64 * MiB;
/** Bytes of each stream kept per run of a service (the first half as it comes, the last half at its end). */
export const SERVICE_RUN_LOG_BYTES = 8 * MiB;
/** The longest Unix socket path Linux takes (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/** One service lease as the lifecycle hands it over. */
export interface ServiceLeaseSpec {
  id: bigint;
  /** The lease's folder on the node (logs, sockets): `<stateDir>/leases/<id>`. */
  root: string;
  /** The job folder with the lease's inputs, /job in every service. */
  jobDir: string;
  services: ServiceSpec[];
  volumes: VolumeSpec[];
  /** The lease's limits, shared by its services (memory, cpu, pids through one cgroup; disk for /job and /tmp). */
  limits: WorkloadLimits;
  /** The lease's GPUs (indexes or UUIDs), handed to every service of it; [] for none. */
  gpus?: string[];
}

/** Options of {@link createServiceRuntime}. */
export interface ServiceRuntimeOptions {
  stateDir: string;
  /** The node's host-unique workload name prefix (leases/context.ts workloadTagOf). */
  workloadTag: string;
  log: Logger;
  sandbox?: ServiceSandbox;
  /** Where images come from, for services that name one (the node's image store). */
  images?: ImageStore;
  tuning?: Partial<RestartTuning>;
  /** Sends a read to the node's chain, for services that declare `chain: read` (chainRead.ts). Without it they are refused. */
  chainRead?: ChainRequest;
}

/** The files of one service. */
export const serviceFiles = (root: string, service: string) => {
  const dir = path.join(root, "services", service);
  return {
    dir,
    stdout: path.join(dir, "stdout.log"),
    stderr: path.join(dir, "stderr.log"),
    exit: path.join(dir, "exit.json"),
    record: path.join(dir, "run.json"),
  };
};

/** The Unix socket of a declared port: `<leaseDir>/sockets/<service>-<port>.sock`. */
export const socketPath = (root: string, service: string, port: number) =>
  path.join(root, "sockets", `${service}-${port}.sock`);

/** Orders services so that each comes after those it depends on; throws on a cycle or an unknown name. */
export function startOrder(services: readonly ServiceSpec[]): ServiceSpec[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: ServiceSpec[] = [];
  const visit = (s: ServiceSpec, chain: string[]) => {
    if (done.has(s.name)) return;
    if (visiting.has(s.name))
      throw new Error(`services.${s.name}.dependsOn: a cycle (${[...chain, s.name].join(" → ")})`);
    visiting.add(s.name);
    for (const dep of s.dependsOn) {
      const d = byName.get(dep);
      if (!d) throw new Error(`services.${s.name}.dependsOn names "${dep}", which is not a service of the lease`);
      visit(d, [...chain, s.name]);
    }
    visiting.delete(s.name);
    done.add(s.name);
    order.push(s);
  };
  for (const s of [...services].sort((a, b) => a.name.localeCompare(b.name))) visit(s, []);
  return order;
}

interface LeaseRuntime {
  /** Starts the lease's port bridge (again); one start at a time. */
  bridge(): Promise<unknown>;
  spec: ServiceLeaseSpec;
  supervisors: Map<string, Supervisor>;
  netns: string;
  control: string;
  cgroup?: LeaseCgroup;
  unwatch: (() => void)[];
  log: Logger;
  /** The lease's chain reads (services with `chain: read`): the URL inside its network, and the server to close. */
  chain?: { url: string; close(): Promise<void> };
}

const runtimes = new Set<ReturnType<typeof createServiceRuntime>>();

/**
 * The bridged ports of a service lease, for the ingress: one entry per declared port with its Unix
 * socket. Empty when no runtime of this process runs the lease.
 * @example
 * for (const e of serviceEndpoints(7n)) if (e.expose === "public") proxyTo(e.socketPath);
 */
export function serviceEndpoints(leaseId: bigint | string): ServiceEndpoint[] {
  for (const runtime of runtimes) {
    const found = runtime.endpoints(BigInt(leaseId));
    if (found.length > 0) return found;
  }
  return [];
}

/**
 * Builds the service runtime of a node.
 * @example
 * const services = createServiceRuntime({ stateDir, workloadTag, log });
 * await services.start({ id: 7n, root, jobDir, services: manifest.services, volumes: manifest.volumes, limits });
 * services.status(7n); // [{ name: "web", state: "healthy", restarts: 0, … }]
 */
export function createServiceRuntime(options: ServiceRuntimeOptions) {
  const { stateDir, workloadTag, log } = options;
  const sandbox =
    options.sandbox ??
    createServiceSandbox({ hidePaths: [stateDir], ...(options.images ? { images: options.images } : {}) });
  const tuning: RestartTuning = { ...DEFAULT_RESTART_TUNING, ...options.tuning };
  const leases = new Map<string, LeaseRuntime>();
  const cgroupHost = detectCgroupHost();
  const leaseName = (id: bigint) => `${workloadTag}-${id}`;
  /** Buyers' commands running now (`exec`), by lease. */
  const execsRunning = new Map<string, number>();

  const launchOf = (rt: LeaseRuntime, service: ServiceSpec): ServiceLaunch => {
    const { spec } = rt;
    const files = serviceFiles(spec.root, service.name);
    const used = Math.max(
      existsSync(files.stdout) ? statSync(files.stdout).size : 0,
      existsSync(files.stderr) ? statSync(files.stderr).size : 0,
    );
    const volumes: MountedVolume[] = service.mounts.map((m) => {
      const volume = spec.volumes.find((v) => v.name === m.volume);
      if (!volume) throw new Error(`services.${service.name}.mounts: no volume "${m.volume}" in the manifest`);
      return {
        path: m.path,
        readOnly: m.readOnly,
        source:
          volume.class === "ram" ? { tmpfsMiB: volume.sizeMiB } : { dir: volumeDir(stateDir, spec.id, volume.name) },
      };
    });
    const workload: WorkloadSpec = {
      leaseId: `${leaseName(spec.id)}-svc-${service.name}`,
      jobDir: spec.jobDir,
      command: service.command ?? [],
      ...(service.image ? { image: service.image } : {}),
      env: {
        ...service.env,
        OCX_SERVICE: service.name,
        ...(service.chain === "read" && rt.chain ? { OCX_CHAIN_RPC_URL: rt.chain.url } : {}),
      },
      network: true,
      limits: { ...(spec.limits.diskMiB !== undefined ? { diskMiB: spec.limits.diskMiB } : {}) },
      gpus: spec.gpus ?? [],
      stdoutPath: files.stdout,
      stderrPath: files.stderr,
      exitPath: files.exit,
      // Within the lease's budget per stream; a service past it keeps a sliver of each run.
      logLimitBytes: Math.max(1024, Math.min(SERVICE_RUN_LOG_BYTES, SERVICE_LOG_BUDGET_BYTES - used)),
    };
    return {
      spec: workload,
      netnsFile: rt.netns,
      hosts: hostsFile(spec.services.map((s) => s.name)),
      volumes,
      shmMiB: service.shmMiB,
      ...(rt.cgroup ? { leaseCgroup: rt.cgroup } : {}),
      serviceName: service.name,
    };
  };

  const supervise = (rt: LeaseRuntime, service: ServiceSpec) =>
    createSupervisor({
      spec: service,
      log: rt.log,
      tuning,
      recordFile: serviceFiles(rt.spec.root, service.name).record,
      launch: () => sandbox.start(launchOf(rt, service)),
      probe: async () => {
        const health = service.health;
        if (!health) return { ok: true, detail: "no health check" };
        const timeoutMs = health.timeoutSeconds * 1000;
        if (health.command) return sandbox.check(launchOf(rt, service), health.command, timeoutMs);
        const ask = () =>
          health.http
            ? probe(rt.control, { kind: "http", ...health.http, timeoutMs })
            : probe(rt.control, { kind: "tcp", port: health.tcp?.port ?? 0, timeoutMs });
        if (!health.http && !health.tcp) return { ok: true, detail: "no probe" };
        if (!bridgeRunning(rt.control)) {
          // The bridge died (killed from outside): the service is not at fault. Bridge again, then ask.
          rt.log.warn("the port bridge is gone; starting it again");
          await rt
            .bridge()
            .catch((error: Error) => rt.log.error("could not start the port bridge", { error: error.message }));
        }
        return ask();
      },
      healthyDep: (name) => rt.supervisors.get(name)?.healthy() ?? new Promise(() => {}),
      changed: () => {},
    });

  /**
   * The chain reads of a lease whose services declare `chain: read`: the node's read-only JSON-RPC on
   * `<root>/chain.sock`, reached inside the lease at 127.0.0.1:<port> (CHAIN_READ_PORT, or the next port
   * no service declares) through the bridge. Undefined when no service asks.
   */
  const chainReadsOf = async (spec: ServiceLeaseSpec, services: ServiceSpec[], l: Logger) => {
    const readers = services.filter((s) => s.chain === "read");
    if (readers.length === 0) return undefined;
    const request = options.chainRead;
    if (!request)
      throw new Error(
        `services.${readers[0]?.name}.chain is "read", but this node serves no chain reads: remove the field or use another provider`,
      );
    const declared = new Set(services.flatMap((s) => s.ports.map((p) => p.port)));
    let port = CHAIN_READ_PORT;
    while (declared.has(port)) port++;
    const socket = path.join(spec.root, "chain.sock");
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH)
      throw new Error(`the Unix socket ${socket} is longer than ${MAX_SOCKET_PATH} bytes: use a shorter stateDir`);
    mkdirSync(spec.root, { recursive: true });
    const server = await startChainReadServer({ socketPath: socket, request, log: l });
    const url = `http://127.0.0.1:${port}/`;
    l.info("chain reads served to the lease", { services: readers.map((s) => s.name).join(","), url });
    return { url, reverse: { port, path: socket }, close: server.close };
  };

  /** Everything of a lease but its processes: folders, network, bridge, cgroup, volume watchers. */
  const prepare = async (spec: ServiceLeaseSpec): Promise<LeaseRuntime> => {
    const order = startOrder(spec.services);
    const name = leaseName(spec.id);
    const control = path.join(spec.root, "bridge.sock");
    const ports = order.flatMap((s) =>
      s.ports.map((p) => ({ path: socketPath(spec.root, s.name, p.port), port: p.port })),
    );
    for (const p of [{ path: control }, ...ports]) {
      if (Buffer.byteLength(p.path) > MAX_SOCKET_PATH)
        throw new Error(
          `the Unix socket ${p.path} is longer than ${MAX_SOCKET_PATH} bytes: use a shorter stateDir or shorter service names`,
        );
    }
    mkdirSync(spec.root, { recursive: true });
    for (const s of order) mkdirSync(serviceFiles(spec.root, s.name).dir, { recursive: true });
    sandbox.own(spec.jobDir);
    for (const v of spec.volumes)
      if (v.class === "persistent") sandbox.own(volumeDir(stateDir, spec.id, v.name), 0o755);
    const netns = await ensureNetns(netnsName(name));
    const chain = await chainReadsOf(spec, order, log.child({ leaseId: spec.id.toString(), component: "chain-read" }));
    let bridging: Promise<unknown> | undefined;
    const bridge = () => {
      bridging ??= startBridge({
        netnsFile: netns,
        control,
        ports,
        ...(chain ? { reverse: [chain.reverse] } : {}),
        marker: `${name}-bridge`,
        logFile: path.join(spec.root, "bridge.log"),
      }).finally(() => {
        bridging = undefined;
      });
      return bridging;
    };
    if (!bridgeRunning(control)) await bridge();
    const { cgroup, warnings } = await sandbox.leaseCgroup(name, spec.limits).catch(async (error: Error) => {
      stopBridge(control); // nothing half-made keeps running
      await chain?.close();
      throw error;
    });
    const l = log.child({ leaseId: spec.id.toString() });
    for (const warning of warnings) l.warn(`services: ${warning}`);
    const rt: LeaseRuntime = {
      bridge,
      spec,
      supervisors: new Map(),
      netns,
      control,
      ...(cgroup ? { cgroup } : {}),
      unwatch: [],
      log: l,
      ...(chain ? { chain: { url: chain.url, close: chain.close } } : {}),
    };
    for (const s of order) rt.supervisors.set(s.name, supervise(rt, s));
    for (const v of spec.volumes) {
      if (v.class !== "persistent") continue;
      const users = order.filter((s) => s.mounts.some((m) => m.volume === v.name && !m.readOnly));
      rt.unwatch.push(
        watchVolume(volumeDir(stateDir, spec.id, v.name), v, (message) => {
          l.warn(`stopping ${users.map((s) => s.name).join(", ")}: ${message}`);
          for (const s of users) void rt.supervisors.get(s.name)?.halt(`stopped: ${message}`);
        }),
      );
    }
    leases.set(spec.id.toString(), rt);
    return rt;
  };

  const runtime = {
    /** Starts a service lease: network, bridge, volumes, then its services in dependsOn order. */
    async start(spec: ServiceLeaseSpec): Promise<void> {
      const rt = await prepare(spec);
      for (const supervisor of rt.supervisors.values()) {
        void supervisor
          .start()
          .catch((error: Error) =>
            rt.log.error(`service ${supervisor.name} failed to start`, { error: error.message }),
          );
      }
      rt.log.info("services starting", { services: [...rt.supervisors.keys()].join(","), netns: rt.netns });
    },

    /**
     * Takes a service lease back after a node restart: the same network and volumes, the bridge
     * started again if it is gone, each service re-attached if its process survived, else started
     * again; a service that had stopped for good stays stopped.
     */
    async recover(spec: ServiceLeaseSpec): Promise<void> {
      const rt = await prepare(spec);
      for (const [name, supervisor] of rt.supervisors) {
        const files = serviceFiles(spec.root, name);
        let record: ServiceRecord | undefined;
        try {
          record = JSON.parse(readFileSync(files.record, "utf8")) as ServiceRecord;
        } catch {
          record = undefined;
        }
        if (!record) {
          void supervisor.start();
          continue;
        }
        const service = spec.services.find((s) => s.name === name) as ServiceSpec;
        const running = record.pid ? await sandbox.attach(launchOf(rt, service), record.pid) : null;
        supervisor.adopt(record, running);
      }
      rt.log.info("services recovered after a node restart", { services: [...rt.supervisors.keys()].join(",") });
    },

    /**
     * Stops a service lease for good: every service (SIGTERM, SIGKILL after `graceMs`), the bridge,
     * the network, the cgroup; then `retain`, given the lease's volumes folder, keeps what must outlive
     * them (retain.ts; nothing runs in the lease any more); then its persistent volumes are deleted, even
     * when `retain` failed (logged). Safe to call for a lease this runtime does not hold (after a node
     * restart before recovery): it removes what is left.
     */
    async stop(id: bigint, why: string, graceMs = 5000, retain?: (volumesDir: string) => Promise<void>): Promise<void> {
      const rt = leases.get(id.toString());
      const name = leaseName(id);
      if (rt) {
        for (const unwatch of rt.unwatch) unwatch();
        await Promise.all([...rt.supervisors.values()].map((s) => s.halt(why, "stopped", graceMs)));
        stopBridge(rt.control);
        await rt.chain?.close();
        if (rt.cgroup) for (const w of await removeLeaseCgroup(rt.cgroup.dirs)) rt.log.warn(`services: ${w}`);
      } else {
        const host = await cgroupHost;
        const dirs = leaseCgroupDirs(host, `ocx/${name}`).dirs;
        await removeLeaseCgroup(dirs).catch(() => []);
      }
      await deleteNetns(netnsName(name)).catch((error: Error) =>
        log.warn("could not delete the lease's network", { error: error.message }),
      );
      if (retain) {
        await retain(leaseVolumesDir(stateDir, id)).catch((error: Error) =>
          log.error("could not keep the lease's retained files; its volumes are deleted without them", {
            leaseId: id.toString(),
            error: error.message,
          }),
        );
      }
      await deleteLeaseVolumes(stateDir, id);
      if (rt) await rm(path.join(rt.spec.root, "sockets"), { recursive: true, force: true }).catch(() => {});
      leases.delete(id.toString());
    },

    /**
     * The states of a lease's services: live from the supervisors while this runtime holds the
     * lease, else as each supervisor last recorded it (a lease that has ended).
     */
    status(id: bigint, recorded?: { root: string; services: readonly ServiceSpec[] }): ServiceStatus[] | undefined {
      const rt = leases.get(id.toString());
      if (rt) return [...rt.supervisors.values()].map((s) => s.status());
      if (!recorded) return undefined;
      return recorded.services.map((service) => {
        let record: ServiceRecord | undefined;
        try {
          record = JSON.parse(readFileSync(serviceFiles(recorded.root, service.name).record, "utf8")) as ServiceRecord;
        } catch {
          record = undefined;
        }
        return {
          name: service.name,
          state: record?.state ?? "stopped",
          restarts: record?.restarts ?? 0,
          lastExit: record?.lastExit ?? null,
          reason: record?.reason ?? "never started",
          startedAt: null,
          ports: service.ports.map((p) => ({ port: p.port, protocol: p.protocol, expose: p.expose })),
        };
      });
    },

    /** The bridged ports of a lease (see {@link serviceEndpoints}). */
    endpoints(id: bigint): ServiceEndpoint[] {
      const rt = leases.get(id.toString());
      if (!rt) return [];
      return rt.spec.services.flatMap((s) =>
        s.ports.map((p) => ({
          service: s.name,
          port: p.port,
          protocol: p.protocol,
          expose: p.expose,
          socketPath: socketPath(rt.spec.root, s.name, p.port),
        })),
      );
    },

    /**
     * Runs a command in one service's sandbox (sandbox.ts `exec`), at most {@link EXEC_MAX_CONCURRENT} at once
     * per lease. Throws when this runtime does not hold the lease, the lease has no such service, or too many
     * commands of the lease are running.
     */
    async exec(id: bigint, request: ExecRequest): Promise<ExecResult> {
      const rt = leases.get(id.toString());
      if (!rt) throw new Error(`lease ${id} has no running services on this node`);
      const service = rt.spec.services.find((s) => s.name === request.service);
      if (!service) {
        throw new Error(
          `lease ${id} has no service "${request.service}"; its services: ${rt.spec.services.map((s) => s.name).join(", ")}`,
        );
      }
      const key = id.toString();
      const running = execsRunning.get(key) ?? 0;
      if (running >= EXEC_MAX_CONCURRENT) {
        throw new Error(`lease ${id} has ${running} commands running, the most at once: wait for one to end`);
      }
      execsRunning.set(key, running + 1);
      rt.log.info("running a buyer's command in a service's sandbox", {
        service: service.name,
        program: request.command[0],
        args: request.command.length - 1,
        timeoutMs: request.timeoutMs,
      });
      try {
        const result = await sandbox.exec(launchOf(rt, service), request.command, {
          timeoutMs: request.timeoutMs,
          maxOutputBytes: EXEC_MAX_OUTPUT_BYTES,
        });
        rt.log.info("the buyer's command ended", {
          service: service.name,
          exitCode: result.exitCode,
          signal: result.signal,
          timedOut: result.timedOut,
          ms: result.durationMs,
        });
        return result;
      } finally {
        const left = (execsRunning.get(key) ?? 1) - 1;
        if (left > 0) execsRunning.set(key, left);
        else execsRunning.delete(key);
      }
    },

    /** The log files of one service of a lease; undefined for a service the lease does not have. */
    logFiles(root: string, services: readonly string[], service: string) {
      if (!services.includes(service)) return undefined;
      return serviceFiles(root, service);
    },

    /** How many services of the leases held now are in each state (for /metrics). */
    countByState(): Map<string, number> {
      const counts = new Map<string, number>();
      for (const rt of leases.values()) {
        for (const s of rt.supervisors.values()) counts.set(s.status().state, (counts.get(s.status().state) ?? 0) + 1);
      }
      return counts;
    },

    /** Whether this runtime holds lease `id`. */
    has: (id: bigint) => leases.has(id.toString()),

    /** Workload names (and their namespace) that `reap` must leave alone: those of the leases held now. */
    liveNames(): Set<string> {
      const names = new Set<string>();
      for (const rt of leases.values()) {
        const name = leaseName(rt.spec.id);
        names.add(name);
        names.add(`${name}-bridge`);
        for (const s of rt.supervisors.keys()) names.add(`${name}-svc-${s}`);
      }
      return names;
    },

    /** Stops supervising without stopping anything: the next node process re-attaches. */
    close(): void {
      for (const rt of leases.values()) {
        for (const unwatch of rt.unwatch) unwatch();
        for (const s of rt.supervisors.values()) s.detach();
      }
      leases.clear();
      runtimes.delete(runtime);
    },
  };
  runtimes.add(runtime);
  return runtime;
}

export type ServiceRuntime = ReturnType<typeof createServiceRuntime>;
