// The life of a lease on this node, as moves of the lease machine: acknowledge, run, finish
// (pack outputs, complete on-chain at the second the workload exited), and stop (escrow out, buyer
// closed). Every change of phase goes through `ctx.move`, which checks it against the table.
import { mkdir, rm } from "node:fs/promises";
import {
  acknowledgeLeaseSync,
  acknowledgeLeasesSync,
  completeLeaseSync,
  completeLeasesSync,
  LeaseState,
  type Manifest,
  parseCanonicalManifest,
} from "@ocx/sdk";
import { describeRetained, packRetained } from "../services/retain.js";
import type { ServiceLeaseSpec } from "../services/runtime.js";
import { type ServiceManifest, serviceManifestOf } from "../services/types.js";
import { packOutputs } from "../workload/outputs.js";
import type { RunningWorkload, WorkloadExit, WorkloadSpec } from "../workload/types.js";
import type { LeaseContext } from "./context.js";
import { paidUntilOf } from "./context.js";
import { FINAL_PHASES, type LeasePhase } from "./machine.js";
import type { LeaseRecord } from "./store.js";

/** The disk a job may use: its manifest's request, within what the lease bought. */
function manifestDiskMiB(manifest: Manifest, bought: number): number {
  return Math.min(manifest.resources.diskMiB, bought);
}

/** Unix seconds now, by this machine's clock. */
const wallNow = () => Math.floor(Date.now() / 1000);

/** Builds the lifecycle part of the lease service. */
/** A lease taken through a provider-signed quote: created active, with no acknowledgement deadline. */
export const isQuoted = (lease: Pick<LeaseRecord, "ackDeadline">) => lease.ackDeadline === 0;

export function createLifecycle(ctx: LeaseContext) {
  const { store, chain, executor, allocator } = ctx;
  const deployment = chain.deployment;
  /** Leases being stopped: their exit watcher must not finish them, and a second stop waits for the first. */
  const stopping = new Map<string, Promise<void>>();

  // ------------------------------------------------------------------ acknowledgement

  /** Takes the lease's GPUs (a won auction's reservation, or free ones). */
  const takeGpus = async (lease: LeaseRecord) => {
    const bundle = lease.bundle ?? (await ctx.bundleOf(lease));
    const reserved =
      lease.requestId !== 0n ? allocator.transfer(`request:${lease.requestId}`, ctx.owner(lease.id)) : [];
    const gpus =
      reserved.length >= bundle.gpuCount ? reserved : allocator.allocate(ctx.owner(lease.id), bundle.gpuCount);
    return { bundle, gpus };
  };

  /** Reads the lease's paid-until time from the chain (after acknowledgement, a top-up, a settle). */
  const refreshPaidUntil = async (id: bigint) => {
    const onChain = await ctx.chainLease(id);
    if (onChain.settledAt > 0) store.updateLease(id, { paidUntil: paidUntilOf(onChain) });
    return onChain;
  };

  /**
   * Readies a pending lease for acknowledgement: refuses it (cancelled, failed) when it cannot be
   * run, else takes its GPUs. Returns whether it is ready.
   */
  const prepare = async (lease: LeaseRecord): Promise<boolean> => {
    if (isQuoted(lease)) return false;
    if (ctx.now() > lease.ackDeadline) {
      ctx.move(lease.id, "cancelled", "acknowledgement deadline passed before the node could acknowledge");
      allocator.release(ctx.owner(lease.id)); // taken in an earlier round whose acknowledgement failed
      ctx.capacityChanged();
      return false;
    }
    const { bundle, gpus } = await takeGpus(lease);
    if (!gpus) {
      // Not acknowledging lets the buyer cancel for a full refund; better than taking money for GPUs we lack.
      allocator.release(ctx.owner(lease.id));
      ctx.move(lease.id, "failed", `no ${bundle.gpuCount} free GPU(s) for this lease; not acknowledging it`, {
        bundle,
      });
      return false;
    }
    if (lease.bundle === null) {
      store.updateLease(lease.id, { gpus, bundle });
      ctx.capacityChanged();
    }
    return true;
  };

  /** Moves acknowledged leases on, with the chain's start time and paid-until time. */
  const acknowledged = async (ids: bigint[]) => {
    for (const id of ids) {
      const onChain = await ctx.chainLease(id);
      ctx.move(id, "acknowledged", "acknowledged on-chain; waiting for the buyer's manifest and inputs", {
        startedAt: onChain.settledAt,
        paidUntil: paidUntilOf(onChain),
      });
    }
  };

  /**
   * Acknowledges every pending lease that is ready: one transaction for all of them
   * (`acknowledgeMany`) when there are several, falling back to one by one when the batch is
   * refused (a lease in it was cancelled meanwhile).
   */
  const acknowledgeDue = async () => {
    const ready: bigint[] = [];
    for (const lease of store.liveLeases()) {
      // A quoted lease (ackDeadline 0) was created active: the event handler or recovery adopts it,
      // and it has no deadline to miss. Preparing it here, while its adoption is in flight, would cancel it.
      if (lease.phase === "pending" && !isQuoted(lease) && (await prepare(lease))) ready.push(lease.id);
    }
    if (ready.length === 0) return;
    if (ready.length > 1) {
      try {
        await acknowledgeLeasesSync(chain.writer(`ack:${ready.join(",")}`), { deployment, leaseIds: ready });
        ctx.log.info("acknowledged leases in one transaction", { leases: ready.join(",") });
        await acknowledged(ready);
        return;
      } catch (error) {
        ctx.log.warn("acknowledging the batch failed; acknowledging one by one", { error: (error as Error).message });
      }
    }
    for (const id of ready) {
      try {
        await acknowledgeLeaseSync(chain.writer(`ack:${id}`), { deployment, leaseId: id });
        await acknowledged([id]);
      } catch (error) {
        ctx.leaseLog(id).warn("acknowledging failed; will retry", { error: (error as Error).message });
      }
    }
  };

  /** A lease the chain already holds as active (a signed quote, or acknowledged before a restart): no transaction. */
  const adoptActive = async (lease: LeaseRecord, reason: string) => {
    const { bundle, gpus } = await takeGpus(lease);
    const onChain = await ctx.chainLease(lease.id);
    if (!gpus) {
      // Already paid from now on: nothing to run it on. Completing it at once refunds the buyer.
      allocator.release(ctx.owner(lease.id));
      ctx.leaseLog(lease.id).warn(`no ${bundle.gpuCount} free GPU(s) for an active lease; ending it`);
    }
    ctx.move(lease.id, "acknowledged", reason, {
      startedAt: onChain.settledAt,
      paidUntil: paidUntilOf(onChain),
      gpus: gpus ?? [],
      bundle,
    });
    ctx.capacityChanged();
  };

  // ------------------------------------------------------------------ running

  const specOf = (lease: LeaseRecord, manifest: Manifest): WorkloadSpec => {
    const files = ctx.files(lease.id);
    const bundle = lease.bundle;
    return {
      // Workload names (cgroups, containers) are host-wide: several nodes on one host must not collide.
      leaseId: `${ctx.workloadTag}-${lease.id}`,
      jobDir: files.jobDir,
      command: manifest.command ?? [],
      env: manifest.env,
      network: manifest.network,
      limits: {
        ...(bundle
          ? {
              memoryMiB: bundle.memoryMiB,
              cpuMillicores: bundle.cpuMillicores,
              diskMiB: manifestDiskMiB(manifest, bundle.diskMiB),
            }
          : {}),
        pids: 1024,
      },
      gpus: lease.gpus,
      ...(manifest.image ? { image: manifest.image } : {}),
      stdoutPath: files.stdout,
      stderrPath: files.stderr,
      exitPath: files.exit,
    };
  };

  const watch = (lease: LeaseRecord, workload: RunningWorkload) => {
    ctx.running.set(lease.id.toString(), workload);
    void workload.wait().then(
      (exit) =>
        finish(lease.id, exit).catch((error: Error) =>
          ctx.leaseLog(lease.id).error("finishing the lease failed", { error: error.message }),
        ),
      (error: unknown) =>
        ctx.leaseLog(lease.id).error("lost track of the workload", { error: (error as Error).message }),
    );
  };

  /** A service lease as the service runtime takes it: its services and volumes, and the lease's limits. */
  const serviceLeaseOf = (lease: LeaseRecord, services: ServiceManifest): ServiceLeaseSpec => {
    const files = ctx.files(lease.id);
    const bundle = lease.bundle;
    return {
      id: lease.id,
      root: files.root,
      jobDir: files.jobDir,
      services: services.services,
      volumes: services.volumes,
      gpus: lease.gpus,
      limits: {
        ...(bundle
          ? {
              memoryMiB: bundle.memoryMiB,
              cpuMillicores: bundle.cpuMillicores,
              diskMiB: Math.min(services.resources.diskMiB, bundle.diskMiB),
            }
          : {}),
        pids: 1024,
      },
    };
  };

  /** Starts a service lease's services (network, bridge, volumes, supervisors) and moves it to running. */
  const launchServices = async (lease: LeaseRecord, services: ServiceManifest) => {
    const files = ctx.files(lease.id);
    await mkdir(files.jobDir, { recursive: true });
    await mkdir(files.root, { recursive: true });
    try {
      await ctx.services.start(serviceLeaseOf(lease, services));
    } catch (error) {
      // Nothing half-made stays behind: the buyer may start again.
      await ctx.services.stop(lease.id, "the services could not start", 1000).catch(() => {});
      throw error;
    }
    ctx.move(
      lease.id,
      "running",
      `running ${services.services.length} service(s): ${services.services.map((s) => s.name).join(", ")}`,
      { pid: null, cgroup: null, aliveAt: ctx.now(), endedAt: null },
    );
  };

  const launch = async (lease: LeaseRecord, manifest: Manifest) => {
    const services = serviceManifestOf(manifest);
    if (services) return launchServices(lease, services);
    const files = ctx.files(lease.id);
    await mkdir(files.jobDir, { recursive: true });
    await mkdir(files.root, { recursive: true });
    await rm(files.exit, { force: true });
    const workload = await executor.start(specOf(lease, manifest));
    for (const warning of workload.warnings) ctx.leaseLog(lease.id).warn(warning);
    const updated = ctx.move(lease.id, "running", `running with ${executor.name} as pid ${workload.pid}`, {
      pid: workload.pid,
      cgroup: workload.cgroup ?? null,
      aliveAt: ctx.now(),
      endedAt: null,
    });
    watch(updated, workload);
  };

  /** The second the workload exited, as the executor recorded it (now, if it could not say), in chain time. */
  const endedAtOf = (exit: WorkloadExit) => ctx.toChainTime(exit.endedAt ?? wallNow());

  /** The workload ended by itself: pack the outputs and complete the lease on-chain. */
  const finish = async (id: bigint, exit: WorkloadExit) => {
    const key = id.toString();
    ctx.running.delete(key);
    const lease = store.getLease(id);
    // Stopped by us (exhaustion or the buyer's close): `stop` ends the lease, not the watcher.
    if (lease?.phase !== "running" || stopping.has(key)) return;
    const why = exit.message
      ? exit.message
      : exit.oomKilled
        ? "killed for exceeding its memory limit"
        : exit.signal
          ? `ended by ${exit.signal}`
          : `exited with code ${exit.exitCode}`;
    ctx.move(id, "finishing", `workload ${why}; packing outputs`, {
      exitCode: exit.exitCode,
      oomKilled: exit.oomKilled,
      endedAt: endedAtOf(exit),
    });
    await complete();
  };

  const pack = async (lease: LeaseRecord) => {
    const files = ctx.files(lease.id);
    const manifest = lease.manifest ? parseCanonicalManifest(lease.manifest) : undefined;
    // Outputs are bounded by the job's disk limit: an 8 GB sparse file cannot cost more than the job.
    const diskMiB = manifest && lease.bundle ? manifestDiskMiB(manifest, lease.bundle.diskMiB) : lease.bundle?.diskMiB;
    const packed = await packOutputs(files.jobDir, manifest?.outputs ?? [], files.results, {
      ...(diskMiB ? { maxBytes: diskMiB * 1024 * 1024 } : {}),
    });
    if (packed.missing.length > 0) ctx.leaseLog(lease.id).warn("declared outputs missing", { missing: packed.missing });
    for (const warning of packed.warnings) ctx.leaseLog(lease.id).warn(warning);
    return store.updateLease(lease.id, { resultHash: packed.sha256, resultSize: packed.size });
  };

  /** The completion of a finishing, packed lease: billed up to the second its workload exited. */
  const completionOf = (lease: LeaseRecord) => ({
    leaseId: lease.id,
    resultHash: lease.resultHash as `0x${string}`,
    exitCode: lease.exitCode ?? -1,
    // The contract clamps it to [settledAt, now]: packing, or the node being down, is never billed.
    endedAt: BigInt(lease.endedAt ?? ctx.now()),
  });

  const completed = (id: bigint) => {
    const lease = store.getLease(id) as LeaseRecord;
    // Keep the why of an OOM kill in the final message: "exit code 137" alone does not say it.
    const oom = lease.oomKilled ? " (its workload was killed for exceeding its memory limit)" : "";
    ctx.move(
      id,
      "completed",
      `completed on-chain with exit code ${lease.exitCode ?? -1} and result ${lease.resultHash}${oom}`,
    );
    allocator.release(ctx.owner(id));
  };

  const completeOne = async (lease: LeaseRecord) => {
    try {
      await completeLeaseSync(chain.writer(`complete:${lease.id}`), { deployment, ...completionOf(lease) });
      completed(lease.id);
    } catch (error) {
      const onChain = await ctx.chainLease(lease.id);
      if (onChain.state !== LeaseState.Active) {
        ctx.move(
          lease.id,
          "closed",
          "the lease was closed on-chain before the node completed it; results stay downloadable",
        );
        allocator.release(ctx.owner(lease.id));
      } else {
        ctx.leaseLog(lease.id).warn("completing on-chain failed; will retry", { error: (error as Error).message });
      }
    }
  };

  /**
   * Completes every finishing lease (packing outputs first where that was not done): one
   * transaction for all of them (`completeMany`) when several are due, one by one when the batch
   * is refused. Runs one at a time; leases that finish meanwhile go in the next round.
   */
  const completeBatch = async () => {
    const due: LeaseRecord[] = [];
    for (let lease of store.liveLeases()) {
      if (lease.phase !== "finishing") continue;
      if (!lease.resultHash) lease = await pack(lease);
      due.push(lease);
    }
    if (due.length === 0) return;
    let single = due;
    if (due.length > 1) {
      try {
        await completeLeasesSync(chain.writer(`complete:${due.map((l) => l.id).join(",")}`), {
          deployment,
          completions: due.map(completionOf),
        });
        ctx.log.info("completed leases in one transaction", { leases: due.map((l) => l.id).join(",") });
        for (const lease of due) completed(lease.id);
        single = [];
      } catch (error) {
        ctx.log.warn("completing the batch failed; completing one by one", { error: (error as Error).message });
      }
    }
    for (const lease of single) await completeOne(lease);
    ctx.capacityChanged();
  };
  let completing: Promise<void> | undefined;
  let completeAgain = false;
  const complete = async (): Promise<void> => {
    if (completing) {
      completeAgain = true;
      return completing;
    }
    completing = (async () => {
      do {
        completeAgain = false;
        await completeBatch();
      } while (completeAgain);
    })().finally(() => {
      completing = undefined;
    });
    return completing;
  };

  /**
   * Stops a lease's workload (if any), frees its GPUs and moves it to `to`, keeping partial outputs
   * for the buyer. The final phase is written last, once the outputs are packed: whoever sees the
   * lease exhausted or closed can download its results straight away. A lease already in a final
   * phase stays as it is (the chain can report an end the node has already acted on).
   */
  const stop = async (id: bigint, to: LeasePhase, reason: string) => {
    const key = id.toString();
    const earlier = stopping.get(key);
    if (earlier) return earlier;
    const lease = store.getLease(id);
    if (!lease || FINAL_PHASES.includes(lease.phase)) return;
    const stopped = (async () => {
      if (lease.kind === "service") return stopServices(lease, to, reason);
      const workload = ctx.running.get(key);
      if (workload) {
        ctx.running.delete(key);
        const exit = await workload.stop(ctx.stopGraceMs ?? 5000);
        store.updateLease(id, { exitCode: exit.exitCode, oomKilled: exit.oomKilled, endedAt: endedAtOf(exit) });
        if (lease.manifest) {
          await pack(store.getLease(id) as LeaseRecord).catch((error: Error) =>
            ctx.leaseLog(id).warn("packing the partial outputs failed", { error: error.message }),
          );
        }
      }
      ctx.move(id, to, reason);
      allocator.release(ctx.owner(id));
      ctx.capacityChanged();
    })();
    stopping.set(key, stopped);
    try {
      await stopped;
    } finally {
      stopping.delete(key);
    }
  };

  /**
   * Keeps what a service lease's services `retain` (services/retain.ts): packed from its volumes, once its services
   * have stopped, into its results (the hash and size recorded before the volumes go, so a node restart in between
   * does not pack the deleted volumes again). Returns what to add to the lease's final message ("" for nothing).
   */
  const retain = async (id: bigint, volumesDir: string): Promise<string> => {
    const lease = store.getLease(id);
    if (!lease?.manifest || lease.resultHash) return "";
    const services = serviceManifestOf(parseCanonicalManifest(lease.manifest))?.services ?? [];
    const kept = await packRetained(volumesDir, services, ctx.files(id).results, {
      ...(ctx.retainedMaxBytes !== undefined ? { maxBytes: ctx.retainedMaxBytes } : {}),
    });
    if (!kept) return "";
    for (const warning of kept.warnings) ctx.leaseLog(id).warn(warning);
    store.updateLease(id, { resultHash: kept.sha256, resultSize: kept.size });
    return `; ${describeRetained(id, kept)}`;
  };

  /**
   * Ends a service lease: running → stopping (persisted with where it ends, so a node restart
   * finishes the stop), its services stopped, what they retain packed into the lease's results, network and
   * volumes removed, then stopping → `to`.
   * Billing needs no completion: the buyer's close settled on-chain, an exhausted escrow is settled
   * by the escrow watch.
   */
  const stopServices = async (lease: LeaseRecord, to: LeasePhase, reason: string) => {
    const id = lease.id;
    if (lease.phase === "running") ctx.move(id, "stopping", `stopping the services: ${reason}`, { stopTo: to });
    const end = lease.phase === "stopping" ? (lease.stopTo ?? to) : to;
    if (lease.phase === "running" || lease.phase === "stopping") {
      await ctx
        .onServiceLeaseEnding?.(id)
        .catch((error: Error) =>
          ctx.leaseLog(id).warn("ending the lease's public connections failed", { error: error.message }),
        );
      let kept = "";
      await ctx.services.stop(id, `the lease ended: ${reason}`, ctx.stopGraceMs ?? 5000, async (volumesDir) => {
        kept = await retain(id, volumesDir).catch((error: Error) => {
          ctx.leaseLog(id).error("could not keep the lease's retained files", { error: error.message });
          return `; its retained files could not be kept: ${error.message}`;
        });
      });
      const why = lease.phase === "stopping" ? lease.message.replace(/^stopping the services: /, "") || reason : reason;
      ctx.move(id, end, `${why}${kept}`, { endedAt: ctx.now() });
    } else {
      ctx.move(id, to, reason);
    }
    allocator.release(ctx.owner(id));
    ctx.capacityChanged();
  };

  return {
    serviceLeaseOf,
    prepare,
    acknowledgeDue,
    adoptActive,
    refreshPaidUntil,
    specOf,
    watch,
    launch,
    finish,
    pack,
    complete,
    stop,
  };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;
