// What the parts of the lease service share: the store, the chain, the executor, the GPUs, the
// workloads this process watches, and the lease machine's one path for moving a lease.
import { createHash } from "node:crypto";
import type { Logger, Registry } from "@ocx/node-kit";
import { getLease, getOffer, getRequest } from "@ocx/sdk";
import type { ChainAccess } from "../chain/client.js";
import { createServiceRuntime, type ServiceRuntime } from "../services/runtime.js";
import type { RestartTuning } from "../services/supervisor.js";
import type { ImageStore } from "../workload/image/index.js";
import type { Executor, RunningWorkload } from "../workload/types.js";
import type { GpuAllocator } from "./allocation.js";
import { type LeaseFiles, leaseFiles } from "./files.js";
import { type LeasePhase, machineOf, recordMove, transitionCounter } from "./machine.js";
import type { LeaseBundle, LeaseFields, LeaseRecord, ProviderStore } from "./store.js";

export interface LeaseServiceOptions {
  store: ProviderStore;
  chain: ChainAccess;
  executor: Executor;
  allocator: GpuAllocator;
  stateDir: string;
  /** Where job folders live (reachable by the sandbox user). */
  jobsDir: string;
  log: Logger;
  /** Where moves are counted; optional for tests that build the service alone. */
  metrics?: Registry;
  /** Called when GPUs are taken or freed, so offers can be paused or resumed. */
  onCapacityChange?: () => void;
  /** Milliseconds the workload gets after SIGTERM before SIGKILL. Default: 5000. */
  stopGraceMs?: number;
  /** Why new jobs cannot start now (the disk reserve), or undefined when they can. */
  cannotStart?: () => Promise<string | undefined>;
  /** Restart back-off and crash-loop limits of services (tests shorten them). */
  serviceTuning?: Partial<RestartTuning>;
  /** The node's image store: services that name an image run in it. Without it such services are refused. */
  images?: ImageStore;
  /**
   * Called when a service lease starts to end, before its services stop: the ingress ends the lease's public
   * connections and TCP ports there, so that none waits on a service that is going away.
   */
  onServiceLeaseEnding?: (id: bigint) => Promise<void>;
  /** The most bytes a service lease keeps of what its services `retain` (default: services/retain.ts RETAINED_MAX_BYTES). */
  retainedMaxBytes?: number;
}

/** The shared state of one lease service. */
export interface LeaseContext extends LeaseServiceOptions {
  /** Workloads this process watches, by lease id. */
  running: Map<string, RunningWorkload>;
  /** The runtime of service leases: networks, bridges, volumes, supervisors. */
  services: ServiceRuntime;
  /** The host-unique name prefix of this node's workloads (cgroups, containers). */
  workloadTag: string;
  files(id: bigint): LeaseFiles;
  /** The allocator owner of a lease's GPUs. */
  owner(id: bigint): string;
  leaseLog(id: bigint): Logger;
  /** Moves a lease through the lease machine: checked against the table, persisted, logged, counted. */
  move(id: bigint, to: LeasePhase, reason?: string, fields?: LeaseFields): LeaseRecord;
  /** The chain's time as this node reckons it: its own clock plus how far ahead the chain was last seen. */
  now(): number;
  /** A time of this machine's clock (unix seconds) as the chain reckons it: plus how far ahead the chain runs. */
  toChainTime(wallSeconds: number): number;
  /** Records the time of a block just read, so `now` follows a chain that runs ahead of this clock. */
  sawChainTime(timestamp: number): void;
  /** The bundle the lease bought: from its offer, or from its request's requirements. */
  bundleOf(lease: LeaseRecord): Promise<LeaseBundle>;
  /** The lease as the contract holds it now. */
  chainLease(id: bigint): ReturnType<typeof getLease>;
  capacityChanged(): void;
}

/**
 * The host-unique prefix of this node's workload names (cgroups, containers): several nodes on one host
 * never share a name, and `reap` touches only names that start with `<tag>-`.
 * @example
 * const prefix = `${workloadTagOf(config.stateDir, address)}-`;
 */
export const workloadTagOf = (stateDir: string, provider: string): string =>
  createHash("sha256").update(`${stateDir}:${provider}`).digest("hex").slice(0, 10);

/** Builds the shared state. */
export function createLeaseContext(options: LeaseServiceOptions): LeaseContext {
  const { store, chain, stateDir, log } = options;
  const dirs = { stateDir, jobsDir: options.jobsDir };
  const counter = options.metrics ? transitionCounter(options.metrics) : undefined;
  let skew = 0;
  const leaseLog = (id: bigint) => log.child({ leaseId: id.toString() });
  const workloadTag = workloadTagOf(stateDir, chain.address);
  return {
    ...options,
    running: new Map(),
    services: createServiceRuntime({
      stateDir,
      workloadTag,
      log: log.child({ component: "services" }),
      ...(options.serviceTuning ? { tuning: options.serviceTuning } : {}),
      ...(options.images ? { images: options.images } : {}),
      chainRead: (call) => chain.reader.request(call as Parameters<typeof chain.reader.request>[0]),
    }),
    workloadTag,
    files: (id) => leaseFiles(dirs, id),
    owner: (id) => `lease:${id}`,
    leaseLog,
    move(id, to, reason, fields) {
      const lease = store.getLease(id);
      if (!lease) throw new Error(`lease ${id} is not in the store; it cannot move to "${to}"`);
      const machine = machineOf(lease.kind);
      const meaning = machine.check(`lease ${id}`, lease.phase, to);
      const moved = store.moveLease(id, lease.phase, to, reason ?? meaning, fields);
      recordMove(machine, counter, leaseLog(id), { from: lease.phase, to, reason: reason ?? meaning });
      return moved;
    },
    now: () => Math.floor(Date.now() / 1000) + skew,
    toChainTime: (wallSeconds) => wallSeconds + skew,
    sawChainTime(timestamp) {
      const ahead = timestamp - Math.floor(Date.now() / 1000);
      if (ahead > skew) skew = ahead;
    },
    async bundleOf(lease) {
      const deployment = chain.deployment;
      const resources =
        lease.offerId !== 0n
          ? (await getOffer(chain.reader, { deployment, offerId: lease.offerId })).resources
          : (await getRequest(chain.reader, { deployment, requestId: lease.requestId })).requirements;
      return {
        gpuCount: resources.gpuCount,
        cpuMillicores: resources.cpuMillicores,
        memoryMiB: resources.memoryMiB,
        diskMiB: resources.diskMiB,
      };
    },
    chainLease: (id) => getLease(chain.reader, { deployment: chain.deployment, leaseId: id }),
    capacityChanged: () => options.onCapacityChange?.(),
  };
}

/** Unix seconds the escrow pays up to: settledAt + ceil(escrow / price) (rounded up: a started second is paid). */
export function paidUntilOf(lease: { settledAt: number; escrow: bigint; pricePerSecond: bigint }): number {
  if (lease.pricePerSecond === 0n) return Number.MAX_SAFE_INTEGER;
  return lease.settledAt + Number((lease.escrow + lease.pricePerSecond - 1n) / lease.pricePerSecond);
}
