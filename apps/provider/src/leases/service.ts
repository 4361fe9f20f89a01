// The lease service: one lease machine per lease (machine.ts), split by concern — the lifecycle
// (acknowledge, run, finish, stop), the buyer's uploads, the escrow watch, recovery after a
// restart and retention — and driven by the marketplace's events. The API calls `acceptManifest`,
// `acceptInput`, `start`, `statusOf` and `files`.

import { Gauge } from "@ocx/node-kit";
import { CloseReason, getAccrued, type ProviderLeaseStatus, parseCanonicalManifest } from "@ocx/sdk";
import type { MarketplaceEvent } from "../chain/events.js";
import { type ExecRequest, parseExecRequest } from "../services/exec.js";
import { serviceFiles } from "../services/runtime.js";
import { serviceManifestOf } from "../services/types.js";
import { createLeaseContext, type LeaseServiceOptions } from "./context.js";
import { LeaseInputError } from "./errors.js";
import { createEscrowWatch } from "./escrow.js";
import { createLifecycle } from "./lifecycle.js";
import { FINAL_PHASES } from "./machine.js";
import { createRecovery } from "./recovery.js";
import { createRetention } from "./retention.js";
import { createUploads } from "./uploads.js";

export type { LeaseServiceOptions } from "./context.js";

/** What the API answers about a lease: the SDK's type, so that the node and its clients agree. */
export type LeaseStatus = ProviderLeaseStatus;

export type LeaseService = ReturnType<typeof createLeaseService>;

/**
 * Builds the lease service. Call `recover()` once before following chain events.
 * @example
 * const leases = createLeaseService({ store, chain, executor, allocator, stateDir, jobsDir, log });
 * await leases.recover();
 */
export function createLeaseService(options: LeaseServiceOptions & { retentionMs?: number }) {
  const ctx = createLeaseContext(options);
  // Registered once per registry (a test may build two lease services over one).
  if (options.metrics && !options.metrics.getSingleMetric("ocx_provider_services")) {
    const services = ctx.services;
    new Gauge({
      name: "ocx_provider_services",
      help: "Services of the running service leases, by state (starting, healthy, unhealthy, restarting, crash-looping, stopped)",
      labelNames: ["state"],
      registers: [options.metrics],
      collect() {
        this.reset();
        for (const [state, count] of services.countByState()) this.set({ state }, count);
      },
    });
  }
  const { store, chain } = ctx;
  const lifecycle = createLifecycle(ctx);
  const uploads = createUploads(ctx, lifecycle);
  const escrow = createEscrowWatch(ctx, lifecycle);
  const recovery = createRecovery(ctx, lifecycle);
  const retention = createRetention(ctx, { keepMs: options.retentionMs ?? 72 * 3600_000 });
  const ours = (address: string) => address.toLowerCase() === chain.address.toLowerCase();

  const handleEvent = async (event: MarketplaceEvent) => {
    if (event.eventName === "LeaseCreated") {
      const a = event.args;
      if (!ours(a.provider)) return;
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
      if (isNew)
        ctx.leaseLog(a.leaseId).info("new lease", { buyer: a.buyer, deposit: a.deposit, price: a.pricePerSecond });
      const lease = store.getLease(a.leaseId);
      if (lease?.phase !== "pending") return;
      // A lease taken through a provider-signed quote is created active (the event says so with an
      // ackDeadline of 0): nothing to acknowledge.
      if (Number(a.ackDeadline) === 0) {
        await lifecycle.adoptActive(lease, "created active by a provider-signed quote; no acknowledgement needed");
      } else {
        // Acknowledged after this batch of events, together with the others that came in it.
        await lifecycle.prepare(lease);
      }
      return;
    }
    if (event.eventName === "LeaseToppedUp") return escrow.toppedUp(event.args.leaseId);
    if (event.eventName === "LeaseClosed") {
      const id = event.args.leaseId;
      const lease = store.getLease(id);
      // An end the node has already acted on (its own completion, an exhaustion it enforced) changes nothing.
      if (!lease || FINAL_PHASES.includes(lease.phase)) return;
      const reason = event.args.reason;
      if (reason === CloseReason.Completed) return;
      if (reason === CloseReason.Cancelled)
        return lifecycle.stop(id, "cancelled", "the lease was cancelled before it started");
      if (reason === CloseReason.Exhausted)
        return lifecycle.stop(id, "exhausted", "the escrow ran out; workload stopped");
      return lifecycle.stop(id, "closed", `the buyer closed the lease; workload stopped (refund ${event.args.refund})`);
    }
  };

  /** The chain's periodic half: acknowledgements and completions to retry, exhausted leases to settle. */
  const tick = async () => {
    if (!(await escrow.sync())) return;
    await lifecycle.acknowledgeDue();
    if (store.liveLeases().some((l) => l.phase === "finishing")) await lifecycle.complete();
  };

  /** The services of a service lease's manifest; undefined for a batch lease (or before its manifest). */
  const servicesOf = (kind: string, manifest: string | null) =>
    kind === "service" && manifest ? serviceManifestOf(parseCanonicalManifest(manifest)) : undefined;

  /**
   * The log file of a lease's stream: the job's, or with `service` that service's. Throws a
   * LeaseInputError (400) for a service the lease does not have, naming those it has.
   */
  const logFile = (id: bigint, stream: "stdout" | "stderr", service?: string): string => {
    const lease = store.getLease(id);
    if (service === undefined || service === "") return ctx.files(id)[stream];
    const services = lease ? servicesOf(lease.kind, lease.manifest) : undefined;
    if (!services) {
      throw new LeaseInputError(
        "bad-request",
        `lease ${id} runs no services; leave out ?service= to read its job's log`,
      );
    }
    const names = services.services.map((s) => s.name);
    if (!names.includes(service)) {
      throw new LeaseInputError(
        "bad-request",
        `lease ${id} has no service "${service}"; its services: ${names.join(", ")}`,
        {
          services: names,
        },
      );
    }
    return serviceFiles(ctx.files(id).root, service)[stream];
  };

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
    const services = servicesOf(lease.kind, lease.manifest);
    if (services) {
      status.services = ctx.services.status(id, { root: ctx.files(id).root, services: services.services }) ?? [];
    }
    if (lease.phase === "running" || lease.phase === "acknowledged") {
      // Without the chain (an outage) the status still answers, without the escrow's figures.
      const accrued = await getAccrued(chain.reader, { deployment: chain.deployment, leaseId: id }).catch(
        () => undefined,
      );
      if (accrued) {
        status.escrowLeft = accrued[1].toString();
        status.fundedSeconds = Number(accrued[1] / lease.pricePerSecond);
      }
    }
    return status;
  };

  return {
    handleEvent,
    /** After each batch of chain events: acknowledges the new leases in it, in one transaction when several. */
    afterEvents: () => lifecycle.acknowledgeDue(),
    acceptManifest: uploads.acceptManifest,
    acceptInput: uploads.acceptInput,
    start: uploads.start,
    /** The chain's periodic work (may wait on RPC). */
    tick,
    /** The local periodic work: stops leases at their paid-until time by this node's clock (no RPC). */
    enforce: escrow.enforce,
    /** Removes ended leases' files past the retention time. */
    sweep: retention.sweep,
    recover: recovery.recover,
    statusOf,
    files: ctx.files,
    logFile,
    /**
     * Runs a buyer's command in one service's sandbox (`ocx job shell`, services/exec.ts); what is refused says
     * why. Only a running service lease held by this node runs commands.
     */
    async execInService(id: bigint, body: string) {
      const lease = store.getLease(id);
      const services = lease ? servicesOf(lease.kind, lease.manifest) : undefined;
      if (!lease || !services) {
        throw new LeaseInputError("bad-request", `lease ${id} runs no services: commands run only in services`);
      }
      if (lease.phase !== "running" || !ctx.services.has(id)) {
        throw new LeaseInputError(
          "conflict",
          `lease ${id} is ${lease.phase}: commands run only while its services run`,
          {
            phase: lease.phase,
          },
        );
      }
      let request: ExecRequest;
      try {
        request = parseExecRequest(body);
      } catch (error) {
        throw new LeaseInputError("bad-request", (error as Error).message);
      }
      const names = services.services.map((s) => s.name);
      if (!names.includes(request.service)) {
        throw new LeaseInputError(
          "bad-request",
          `lease ${id} has no service "${request.service}"; its services: ${names.join(", ")}`,
          { services: names },
        );
      }
      try {
        return await ctx.services.exec(id, request);
      } catch (error) {
        throw new LeaseInputError("conflict", (error as Error).message);
      }
    },
    /** The bridged ports of a service lease (Unix sockets for the ingress); [] for others. */
    serviceEndpoints: (id: bigint) => ctx.services.endpoints(id),
    isRunning: (id: bigint) => ctx.running.has(id.toString()) || ctx.services.has(id),
    status: () => ({
      running: ctx.running.size,
      live: store.liveLeases().length,
      chainUnreachableSince: escrow.outage?.toISOString() ?? null,
    }),
    /** Leaves workloads running (they are re-attached on the next start) and stops watching them. */
    async close() {
      ctx.running.clear();
      // Services keep running too (their network, bridge and volumes with them); the next start re-attaches.
      ctx.services.close();
    },
  };
}
