// The escrow watch: no compute past an empty escrow. Each lease's paid-until time (settledAt +
// ceil(escrow / price)) is kept in the store, refreshed from the chain on acknowledgement and on
// top-ups, and enforced by this node's own clock, so a chain that goes away stops nothing from
// being stopped on time. Exhausted leases are settled on-chain once the chain answers.
import { LeaseState, settleLeaseSync } from "@ocx/sdk";
import type { LeaseContext } from "./context.js";
import type { Lifecycle } from "./lifecycle.js";

/** Seconds between records of "the workload was seen alive": the end billed after a crash loses it. */
const ALIVE_EVERY_SECONDS = 2;

/** Builds the escrow watch of the lease service. */
export function createEscrowWatch(ctx: LeaseContext, lifecycle: Lifecycle) {
  const { store, chain, log } = ctx;
  /** Exhausted leases a settle has not closed yet (the next block's clock lagged ours); retried on every sync. */
  const unsettled = new Set<string>();
  let outageSince: Date | undefined;

  /**
   * Stops every lease whose paid-until time has come, by this node's clock (no RPC), and records
   * which workloads are alive. Cheap: run it often.
   */
  const enforce = async () => {
    const now = ctx.now();
    for (const lease of store.liveLeases()) {
      if (lease.phase !== "running" && lease.phase !== "acknowledged") continue;
      if (lease.phase === "running" && (ctx.running.has(lease.id.toString()) || ctx.services.has(lease.id))) {
        if ((lease.aliveAt ?? 0) + ALIVE_EVERY_SECONDS <= now) store.updateLease(lease.id, { aliveAt: now });
      }
      if (lease.paidUntil === null || now < lease.paidUntil) continue;
      const offline = outageSince ? " (by the node's own clock: the chain is unreachable)" : "";
      await lifecycle.stop(
        lease.id,
        "exhausted",
        `the escrow ran out at ${lease.paidUntil}; ${lease.kind === "service" ? "services" : "workload"} stopped${offline}`,
      );
      unsettled.add(lease.id.toString());
    }
  };

  const settleExhausted = async (id: bigint) => {
    // A fresh key per attempt: the sender returns a mined key's old receipt instead of sending again.
    await settleLeaseSync(chain.writer(`settle:${id}:${Date.now()}`), { deployment: chain.deployment, leaseId: id })
      .then(() => undefined)
      .catch((error: Error) => ctx.leaseLog(id).warn("settling the exhausted lease failed", { error: error.message }));
    const onChain = await ctx.chainLease(id);
    if (onChain.state === LeaseState.Active) unsettled.add(id.toString());
    else unsettled.delete(id.toString());
  };

  /**
   * The chain's half: notes the chain's time (or its outage, logged once), settles exhausted leases.
   * Returns whether the chain answered.
   */
  const sync = async (): Promise<boolean> => {
    try {
      const head = await chain.reader.getBlock({ blockTag: "latest" });
      ctx.sawChainTime(Number(head.timestamp));
    } catch (error) {
      if (!outageSince) {
        outageSince = new Date();
        const live = store.liveLeases().filter((l) => l.paidUntil !== null);
        log.warn(
          `chain unreachable since ${outageSince.toISOString()}; ${live.length} lease(s) will be stopped at their paid-until time`,
          {
            rpc: (error as Error).message.split("\n")[0],
            leases: live.map((l) => `${l.id}@${l.paidUntil}`).join(","),
          },
        );
      }
      return false;
    }
    if (outageSince) {
      log.info(`chain reachable again after ${Math.round((Date.now() - outageSince.getTime()) / 1000)} s; catching up`);
      outageSince = undefined;
    }
    for (const id of [...unsettled]) await settleExhausted(BigInt(id));
    return true;
  };

  /** Re-reads a lease's paid-until time from the chain (after a top-up). */
  const toppedUp = async (id: bigint) => {
    const lease = store.getLease(id);
    if (!lease || (lease.phase !== "running" && lease.phase !== "acknowledged")) return;
    const onChain = await lifecycle.refreshPaidUntil(id);
    ctx.leaseLog(id).info("escrow topped up", { paidUntil: store.getLease(id)?.paidUntil, escrow: onChain.escrow });
  };

  return {
    enforce,
    sync,
    toppedUp,
    /** Whether the chain is unreachable now. */
    get outage() {
      return outageSince;
    },
    /** A lease to settle on-chain once the chain answers. */
    markUnsettled: (id: bigint) => unsettled.add(id.toString()),
  };
}

export type EscrowWatch = ReturnType<typeof createEscrowWatch>;
