// The life of each lease on this node: acknowledge it on-chain, accept the buyer's manifest and
// inputs, run the workload, stop it when the escrow runs out or the buyer closes, pack the outputs
// and complete on-chain. State is in SQLite at every step, so a restarted node picks up each lease
// where it was (`recover`).
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Logger, TxSender } from "@ocx/node-kit";
import {
  canonicalManifestHash,
  type Deployment,
  type Manifest,
  marketplaceAbi,
  type ProviderLeaseStatus,
  parseCanonicalManifest,
} from "@ocx/sdk";
import type { Address, PublicClient } from "viem";
import type { MarketplaceEvent } from "../chain/events.js";
import { packOutputs } from "../workload/outputs.js";
import type { Executor, RunningWorkload, WorkloadExit, WorkloadSpec } from "../workload/types.js";
import type { GpuAllocator } from "./allocation.js";
import { LeaseInputError } from "./errors.js";
import { jobPath, leaseFiles } from "./files.js";
import type { LeaseBundle, LeasePhase, LeaseRecord, ProviderStore } from "./store.js";

/** On-chain lease states, as the contract numbers them. */
const CHAIN = { Pending: 1, Active: 2, Closed: 3 } as const;
const CLOSE_REASON = ["Completed", "ClosedByBuyer", "Cancelled", "Exhausted"] as const;

export interface LeaseServiceOptions {
  store: ProviderStore;
  tx: TxSender;
  publicClient: PublicClient;
  deployment: Deployment;
  provider: Address;
  executor: Executor;
  allocator: GpuAllocator;
  stateDir: string;
  /** Where job folders live (reachable by the sandbox user). */
  jobsDir: string;
  log: Logger;
  /** Called when GPUs are taken or freed, so offers can be paused or resumed. */
  onCapacityChange?: () => void;
  /** Seconds the workload gets after SIGTERM before SIGKILL. Default: 5. */
  stopGraceMs?: number;
}

/** What the API answers about a lease: the SDK's type, so that the node and its clients agree. */
export type LeaseStatus = ProviderLeaseStatus;

export type LeaseService = ReturnType<typeof createLeaseService>;

/** Builds the lease service. Call `recover()` once before following chain events. */
export function createLeaseService(options: LeaseServiceOptions) {
  const { store, tx, publicClient, deployment, provider, executor, allocator, stateDir, log } = options;
  const dirs = { stateDir, jobsDir: options.jobsDir };
  const workloadTag = createHash("sha256").update(`${stateDir}:${provider}`).digest("hex").slice(0, 10);
  const market = { address: deployment.marketplace, abi: marketplaceAbi } as const;
  const running = new Map<string, RunningWorkload>();
  const finishing = new Set<string>();
  const owner = (id: bigint) => `lease:${id}`;
  const capacityChanged = () => options.onCapacityChange?.();
  const leaseLog = (id: bigint) => log.child({ leaseId: id.toString() });

  const set = (id: bigint, phase: LeasePhase, message: string, fields: Partial<LeaseRecord> = {}) => {
    const lease = store.updateLease(id, { ...fields, phase, message });
    leaseLog(id).info(message, { phase });
    return lease;
  };

  const chainLease = (id: bigint) => publicClient.readContract({ ...market, functionName: "getLease", args: [id] });

  /** The bundle the lease bought: from its offer, or from its request's requirements. */
  const bundleOf = async (lease: LeaseRecord): Promise<LeaseBundle> => {
    const resources =
      lease.offerId !== 0n
        ? (await publicClient.readContract({ ...market, functionName: "getOffer", args: [lease.offerId] })).resources
        : (await publicClient.readContract({ ...market, functionName: "getRequest", args: [lease.requestId] }))
            .requirements;
    return {
      gpuCount: resources.gpuCount,
      cpuMillicores: resources.cpuMillicores,
      memoryMiB: resources.memoryMiB,
      diskMiB: resources.diskMiB,
    };
  };

  // ------------------------------------------------------------------ acknowledgement

  const acknowledge = async (lease: LeaseRecord) => {
    const now = Math.floor(Date.now() / 1000);
    if (now > lease.ackDeadline) {
      set(lease.id, "cancelled", "acknowledgement deadline passed before the node could acknowledge");
      return;
    }
    const bundle = lease.bundle ?? (await bundleOf(lease));
    const reserved = lease.requestId !== 0n ? allocator.transfer(`request:${lease.requestId}`, owner(lease.id)) : [];
    const gpus = reserved.length >= bundle.gpuCount ? reserved : allocator.allocate(owner(lease.id), bundle.gpuCount);
    if (!gpus) {
      // Not acknowledging lets the buyer cancel for a full refund; better than taking money for GPUs we lack.
      set(lease.id, "failed", `no ${bundle.gpuCount} free GPU(s) for this lease; not acknowledging it`, { bundle });
      allocator.release(owner(lease.id));
      return;
    }
    store.updateLease(lease.id, { gpus, bundle });
    capacityChanged();
    try {
      const receipt = await tx.write(`ack:${lease.id}`, { ...market, functionName: "acknowledge", args: [lease.id] });
      const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
      set(lease.id, "acknowledged", "acknowledged on-chain; waiting for the buyer's manifest and inputs", {
        startedAt: Number(block.timestamp),
      });
    } catch (error) {
      leaseLog(lease.id).warn("acknowledging failed; will retry", { error: (error as Error).message });
    }
  };

  // ------------------------------------------------------------------ running

  const specOf = (lease: LeaseRecord, manifest: Manifest): WorkloadSpec => {
    const files = leaseFiles(dirs, lease.id);
    const bundle = lease.bundle;
    return {
      // Workload names (cgroups, containers) are host-wide: several nodes on one host must not collide.
      leaseId: `${workloadTag}-${lease.id}`,
      jobDir: files.jobDir,
      command: manifest.command ?? [],
      env: manifest.env,
      network: manifest.network,
      limits: {
        ...(bundle ? { memoryMiB: bundle.memoryMiB, cpuMillicores: bundle.cpuMillicores } : {}),
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
    const key = lease.id.toString();
    running.set(key, workload);
    void workload.wait().then(
      (exit) => finish(lease.id, exit),
      (error: unknown) => leaseLog(lease.id).error("lost track of the workload", { error: (error as Error).message }),
    );
  };

  const launch = async (lease: LeaseRecord, manifest: Manifest) => {
    const files = leaseFiles(dirs, lease.id);
    await mkdir(files.jobDir, { recursive: true });
    await mkdir(files.root, { recursive: true });
    await rm(files.exit, { force: true });
    const workload = await executor.start(specOf(lease, manifest));
    for (const warning of workload.warnings) leaseLog(lease.id).warn(warning);
    const updated = set(lease.id, "running", `running with ${executor.name} as pid ${workload.pid}`, {
      pid: workload.pid,
      cgroup: workload.cgroup ?? null,
    });
    watch(updated, workload);
  };

  /** The workload ended by itself: pack the outputs and complete the lease on-chain. */
  const finish = async (id: bigint, exit: WorkloadExit) => {
    const key = id.toString();
    running.delete(key);
    const lease = store.getLease(id);
    // Stopped by us (exhaustion or the buyer's close): `stop` ends the lease, not the watcher.
    if (lease?.phase !== "running" || stopping.has(key)) return;
    const why = exit.oomKilled
      ? "killed for exceeding its memory limit"
      : exit.signal
        ? `ended by ${exit.signal}`
        : `exited with code ${exit.exitCode}`;
    set(id, "finishing", `workload ${why}; packing outputs`, { exitCode: exit.exitCode, oomKilled: exit.oomKilled });
    await complete(id);
  };

  const pack = async (lease: LeaseRecord) => {
    const files = leaseFiles(dirs, lease.id);
    const manifest = lease.manifest ? parseCanonicalManifest(lease.manifest) : undefined;
    const packed = await packOutputs(files.jobDir, manifest?.outputs ?? [], files.results);
    if (packed.missing.length > 0) leaseLog(lease.id).warn("declared outputs missing", { missing: packed.missing });
    return store.updateLease(lease.id, { resultHash: packed.sha256, resultSize: packed.size });
  };

  const complete = async (id: bigint) => {
    const key = id.toString();
    if (finishing.has(key)) return;
    finishing.add(key);
    try {
      let lease = store.getLease(id);
      if (!lease) return;
      if (!lease.resultHash) lease = await pack(lease);
      const exitCode = lease.exitCode ?? -1;
      try {
        await tx.write(`complete:${id}`, {
          ...market,
          functionName: "complete",
          args: [id, lease.resultHash as `0x${string}`, exitCode],
        });
        // Keep the why of an OOM kill in the final message: "exit code 137" alone does not say it.
        const oom = lease.oomKilled ? " (its workload was killed for exceeding its memory limit)" : "";
        set(id, "completed", `completed on-chain with exit code ${exitCode} and result ${lease.resultHash}${oom}`);
      } catch (error) {
        const onChain = await chainLease(id);
        if (onChain.state === CHAIN.Closed) {
          set(id, "closed", "the lease was closed on-chain before the node completed it; results stay downloadable");
        } else {
          leaseLog(id).warn("completing on-chain failed; will retry", { error: (error as Error).message });
          return;
        }
      }
      allocator.release(owner(id));
      capacityChanged();
    } finally {
      finishing.delete(key);
    }
  };

  /** Leases being stopped, so their exit watcher does not complete them, and a second stop waits for the first. */
  const stopping = new Map<string, Promise<void>>();

  /**
   * Stops a lease's workload (if any) and frees its GPUs, keeping partial outputs for the buyer.
   * The final phase is written last, once the outputs are packed: whoever sees the lease
   * exhausted or closed can download its results straight away.
   */
  const stop = async (id: bigint, phase: LeasePhase, message: string) => {
    const key = id.toString();
    const lease = store.getLease(id);
    if (!lease) return;
    const earlier = stopping.get(key);
    if (earlier) {
      await earlier;
      set(id, phase, message);
      return;
    }
    const stopped = (async () => {
      const workload = running.get(key);
      if (workload) {
        running.delete(key);
        const exit = await workload.stop(options.stopGraceMs ?? 5000);
        store.updateLease(id, { exitCode: exit.exitCode, oomKilled: exit.oomKilled });
        if (lease.manifest) await pack(store.getLease(id) as LeaseRecord).catch(() => {});
      }
      set(id, phase, message);
      allocator.release(owner(id));
      capacityChanged();
    })();
    stopping.set(key, stopped);
    try {
      await stopped;
    } finally {
      stopping.delete(key);
    }
  };

  // ------------------------------------------------------------------ buyer's uploads

  const uploadable = (id: bigint): LeaseRecord => {
    const lease = store.getLease(id);
    if (!lease) throw new LeaseInputError("not-found", `lease ${id} is not a lease of this provider`);
    if (lease.phase !== "pending" && lease.phase !== "acknowledged") {
      throw new LeaseInputError(
        "conflict",
        `lease ${id} is ${lease.phase}; uploads are only accepted before it starts`,
        {
          phase: lease.phase,
        },
      );
    }
    return lease;
  };

  const acceptManifest = async (id: bigint, body: Uint8Array) => {
    const lease = uploadable(id);
    const got = canonicalManifestHash(body);
    if (got !== lease.manifestHash) {
      throw new LeaseInputError(
        "bad-request",
        "the manifest's hash does not match the hash recorded in the lease on-chain: upload the exact canonical manifest the lease was created with",
        { expected: lease.manifestHash, got },
      );
    }
    let manifest: Manifest;
    try {
      manifest = parseCanonicalManifest(body);
    } catch (error) {
      throw new LeaseInputError("bad-request", `the manifest is not valid: ${(error as Error).message}`);
    }
    const bundle = lease.bundle ?? (await bundleOf(lease));
    if (manifest.resources.gpu.count > bundle.gpuCount) {
      throw new LeaseInputError(
        "bad-request",
        `the manifest asks for ${manifest.resources.gpu.count} GPU(s) but the lease bought ${bundle.gpuCount}`,
      );
    }
    if (!manifest.command && executor.name !== "docker") {
      throw new LeaseInputError(
        "bad-request",
        `this provider runs jobs with ${executor.name}, which needs a command; the manifest only names an image`,
      );
    }
    store.updateLease(id, { manifest: new TextDecoder().decode(body), bundle });
    leaseLog(id).info("accepted the manifest", { inputs: manifest.inputs.length });
    return manifest;
  };

  const acceptInput = async (id: bigint, relative: string, body: AsyncIterable<Uint8Array> | Uint8Array) => {
    const lease = uploadable(id);
    if (!lease.manifest) throw new LeaseInputError("conflict", "upload the manifest before its inputs");
    const manifest = parseCanonicalManifest(lease.manifest);
    const input = manifest.inputs.find((i) => i.path === relative);
    if (!input) {
      throw new LeaseInputError("bad-request", `"${relative}" is not an input of the manifest`, {
        inputs: manifest.inputs.map((i) => i.path),
      });
    }
    const files = leaseFiles(dirs, id);
    const target = jobPath(files.jobDir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.ocx-partial`;
    const hash = createHash("sha256");
    let size = 0;
    const limit = input.size ?? Number.POSITIVE_INFINITY;
    const counted = async function* (source: AsyncIterable<Uint8Array> | Uint8Array) {
      const chunks = source instanceof Uint8Array ? [source] : source;
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        if (size > limit) {
          throw new LeaseInputError(
            "too-large",
            `"${relative}" is larger than the ${limit} bytes the manifest declares`,
          );
        }
        hash.update(chunk);
        yield chunk;
      }
    };
    try {
      await pipeline(counted(body), createWriteStream(partial));
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const got = `0x${hash.digest("hex")}`;
    if (got !== input.sha256) {
      await rm(partial, { force: true });
      throw new LeaseInputError("bad-request", `"${relative}" does not match its sha256 in the manifest`, {
        expected: input.sha256,
        got,
      });
    }
    await rename(partial, target);
    leaseLog(id).info("accepted an input", { path: relative, bytes: size });
  };

  const start = async (id: bigint) => {
    const lease = store.getLease(id);
    if (!lease) throw new LeaseInputError("not-found", `lease ${id} is not a lease of this provider`);
    if (lease.phase === "running") return lease;
    if (lease.phase !== "acknowledged") {
      throw new LeaseInputError(
        "conflict",
        lease.phase === "pending"
          ? `lease ${id} is not acknowledged yet; try again in a moment`
          : `lease ${id} is ${lease.phase} and cannot start`,
        { phase: lease.phase },
      );
    }
    if (!lease.manifest) throw new LeaseInputError("conflict", "upload the manifest before starting the job");
    const manifest = parseCanonicalManifest(lease.manifest);
    const files = leaseFiles(dirs, id);
    const missing: string[] = [];
    for (const input of manifest.inputs) {
      const present = await stat(jobPath(files.jobDir, input.path)).catch(() => undefined);
      if (!present || present.size !== input.size) missing.push(input.path);
    }
    if (missing.length > 0) {
      throw new LeaseInputError("conflict", `upload every input before starting; missing: ${missing.join(", ")}`, {
        missing,
      });
    }
    await launch(lease, manifest);
    return store.getLease(id) as LeaseRecord;
  };

  // ------------------------------------------------------------------ chain events

  const handleEvent = async (event: MarketplaceEvent) => {
    if (event.eventName === "LeaseCreated") {
      const a = event.args;
      if (a.provider.toLowerCase() !== provider.toLowerCase()) return;
      const isNew = store.insertLease({
        id: a.leaseId,
        buyer: a.buyer,
        offerId: a.offerId,
        requestId: a.requestId,
        pricePerSecond: a.pricePerSecond,
        deposit: a.deposit,
        manifestHash: a.manifestHash,
        ackDeadline: Number(a.ackDeadline),
      });
      const lease = store.getLease(a.leaseId);
      if (isNew) leaseLog(a.leaseId).info("new lease", { buyer: a.buyer, deposit: a.deposit, price: a.pricePerSecond });
      if (lease?.phase === "pending") await acknowledge(lease);
      return;
    }
    if (event.eventName === "LeaseClosed") {
      const id = event.args.leaseId;
      const lease = store.getLease(id);
      if (!lease) return;
      const reason = CLOSE_REASON[event.args.reason] ?? "Closed";
      if (reason === "Completed" || lease.phase === "completed") return;
      if (reason === "Cancelled") return stop(id, "cancelled", "the lease was cancelled before it started");
      if (reason === "Exhausted") return stop(id, "exhausted", "the escrow ran out; workload stopped");
      return stop(id, "closed", `the buyer closed the lease; workload stopped (refund ${event.args.refund})`);
    }
  };

  // ------------------------------------------------------------------ escrow watch

  /** The chain's time as its next block will see it: the later of this machine's clock and the last block's. */
  const chainNow = async () => {
    const head = await publicClient.getBlock({ blockTag: "latest" });
    return Math.max(Math.floor(Date.now() / 1000), Number(head.timestamp));
  };

  /** Exhausted leases a settle has not closed yet (the next block's clock lagged ours); tried again every tick. */
  const unsettled = new Set<string>();

  const settleExhausted = async (id: bigint) => {
    // A fresh key per attempt: the sender returns a mined key's old receipt instead of sending again.
    await tx
      .write(`settle:${id}:${Date.now()}`, { ...market, functionName: "settle", args: [id] })
      .catch((error: Error) => leaseLog(id).warn("settling the exhausted lease failed", { error: error.message }));
    const onChain = await chainLease(id);
    if (onChain.state === CHAIN.Active) unsettled.add(id.toString());
    else unsettled.delete(id.toString());
  };

  /** Stops every lease whose escrow has run out. No compute is given past an empty escrow. */
  const tick = async () => {
    let now: number | undefined;
    for (const lease of store.liveLeases()) {
      if (lease.phase === "pending") {
        await acknowledge(lease);
        continue;
      }
      if (lease.phase === "finishing") {
        await complete(lease.id);
        continue;
      }
      if (lease.phase !== "running" && lease.phase !== "acknowledged") continue;
      // The escrow pays up to settledAt + ceil(escrow / price). Computed here rather than read from
      // `accrued`, which answers as of the last block: on a quiet chain (a devnet that mines only on
      // transactions) that block can be minutes old, and the job would run on past its money.
      const onChain = await chainLease(lease.id);
      if (onChain.state !== CHAIN.Active) continue; // closed: its LeaseClosed event stops the workload
      const fundedUntil =
        onChain.settledAt + Number((onChain.escrow + onChain.pricePerSecond - 1n) / onChain.pricePerSecond);
      now ??= await chainNow();
      if (now < fundedUntil) continue;
      await stop(lease.id, "exhausted", "the escrow ran out; workload stopped and the lease settled");
      await settleExhausted(lease.id);
    }
    for (const id of [...unsettled]) await settleExhausted(BigInt(id));
  };

  // ------------------------------------------------------------------ restart

  /** Picks every live lease up where it was before the node stopped. */
  const recover = async () => {
    for (const lease of store.liveLeases()) allocator.hold(owner(lease.id), lease.gpus);
    for (const lease of store.liveLeases()) {
      const onChain = await chainLease(lease.id);
      const l = leaseLog(lease.id);
      if (lease.phase === "running") {
        const manifest = parseCanonicalManifest(lease.manifest as string);
        const spec = specOf(lease, manifest);
        const workload = lease.pid
          ? await executor.attach({ pid: lease.pid, ...(lease.cgroup ? { cgroup: lease.cgroup } : {}), spec })
          : null;
        if (onChain.state === CHAIN.Closed) {
          if (workload) running.set(lease.id.toString(), workload);
          await stop(lease.id, "closed", "the lease closed on-chain while the node was down; workload stopped");
          continue;
        }
        if (workload) {
          l.info("re-attached to the running workload", { pid: lease.pid });
          watch(lease, workload);
        } else if (manifest.restart === "on-node-restart") {
          l.info("the workload did not survive; restarting it as its manifest allows");
          await launch(lease, manifest);
        } else {
          // Closed honestly: the lease settles now, for the time it ran, and the buyer gets the rest.
          set(
            lease.id,
            "finishing",
            "the workload was lost while the node was down and its manifest forbids a restart",
            {
              exitCode: -1,
            },
          );
          await complete(lease.id);
        }
        continue;
      }
      if (onChain.state === CHAIN.Closed && lease.phase !== "finishing") {
        await stop(
          lease.id,
          lease.phase === "pending" ? "cancelled" : "closed",
          "the lease closed on-chain while the node was down",
        );
        continue;
      }
      if (lease.phase === "pending" && onChain.state === CHAIN.Active) {
        set(lease.id, "acknowledged", "acknowledged on-chain; waiting for the buyer's manifest and inputs", {
          startedAt: onChain.settledAt,
        });
      }
      if (lease.phase === "finishing") await complete(lease.id);
    }
    capacityChanged();
  };

  // ------------------------------------------------------------------ views

  const statusOf = async (id: bigint): Promise<LeaseStatus | undefined> => {
    const lease = store.getLease(id);
    if (!lease) return undefined;
    const status: LeaseStatus = {
      id: lease.id.toString(),
      phase: lease.phase,
      message: lease.message,
      buyer: lease.buyer,
      pricePerSecond: lease.pricePerSecond.toString(),
      deposit: lease.deposit.toString(),
      startedAt: lease.startedAt,
      gpus: lease.gpus,
      exitCode: lease.exitCode,
      oomKilled: lease.oomKilled,
      resultHash: lease.resultHash,
      resultSize: lease.resultSize,
    };
    if (lease.phase === "running" || lease.phase === "acknowledged") {
      const [, escrowLeft] = await publicClient.readContract({ ...market, functionName: "accrued", args: [id] });
      status.escrowLeft = escrowLeft.toString();
      status.fundedSeconds = Number(escrowLeft / lease.pricePerSecond);
    }
    return status;
  };

  return {
    handleEvent,
    acceptManifest,
    acceptInput,
    start,
    tick,
    recover,
    statusOf,
    files: (id: bigint) => leaseFiles(dirs, id),
    isRunning: (id: bigint) => running.has(id.toString()),
    status: () => ({
      running: running.size,
      live: store.liveLeases().length,
    }),
    /** Leaves workloads running (they are re-attached on the next start) and stops watching them. */
    async close() {
      running.clear();
    },
  };
}
