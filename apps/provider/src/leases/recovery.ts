// Recovery after a restart (a clean stop or a kill -9): every live lease is picked up where it was.
// Workloads that survived are re-attached; those that ended while the node was down are finished
// and billed up to the second they ended (their exit status, or the last time the node saw them
// alive), not until the node came back; anything of a workload the node no longer runs is reaped.
import { LeaseState, parseCanonicalManifest } from "@ocx/sdk";
import { reapServiceLeftovers } from "../services/reap.js";
import { serviceManifestOf } from "../services/types.js";
import { detectCgroupHost } from "../workload/cgroup.js";
import type { LeaseContext } from "./context.js";
import type { Lifecycle } from "./lifecycle.js";

/** Builds the recovery step; run it once, before following chain events. */
export function createRecovery(ctx: LeaseContext, lifecycle: Lifecycle) {
  const { store } = ctx;

  const recover = async () => {
    // Times recorded below (a lost workload's end) are in chain time: learn how far ahead the chain runs first.
    ctx.sawChainTime(Number((await ctx.chain.reader.getBlock({ blockTag: "latest" })).timestamp));
    for (const lease of store.liveLeases()) ctx.allocator.hold(ctx.owner(lease.id), lease.gpus);
    for (const lease of store.liveLeases()) {
      const onChain = await ctx.chainLease(lease.id);
      const l = ctx.leaseLog(lease.id);
      if (lease.kind === "service" && (lease.phase === "running" || lease.phase === "stopping")) {
        // The same network, volumes and (where they survived) processes; the bridge again if it died.
        const services = serviceManifestOf(parseCanonicalManifest(lease.manifest as string));
        try {
          if (services) await ctx.services.recover(lifecycle.serviceLeaseOf(lease, services));
        } catch (error) {
          // One lease the node cannot take back must not keep the node (and every other lease) down.
          l.error("could not take the service lease back; its escrow watch and the buyer's close still stop it", {
            error: (error as Error).message,
          });
        }
        if (lease.phase === "stopping") {
          await lifecycle.stop(lease.id, lease.stopTo ?? "closed", "finishing a stop the node's restart interrupted");
        } else if (onChain.state === LeaseState.Closed) {
          await lifecycle.stop(
            lease.id,
            "closed",
            "the lease closed on-chain while the node was down; services stopped",
          );
        } else {
          l.info("service lease recovered", { services: services?.services.map((s) => s.name).join(",") });
        }
        continue;
      }
      if (lease.phase === "running") {
        const manifest = parseCanonicalManifest(lease.manifest as string);
        const spec = lifecycle.specOf(lease, manifest);
        const workload = lease.pid
          ? await ctx.executor.attach({ pid: lease.pid, ...(lease.cgroup ? { cgroup: lease.cgroup } : {}), spec })
          : null;
        if (onChain.state === LeaseState.Closed) {
          if (workload) ctx.running.set(lease.id.toString(), workload);
          await lifecycle.stop(
            lease.id,
            "closed",
            "the lease closed on-chain while the node was down; workload stopped",
          );
          continue;
        }
        if (workload) {
          l.info("re-attached to the running workload", { pid: lease.pid });
          lifecycle.watch(lease, workload);
        } else if (manifest.restart === "on-node-restart") {
          l.info("the workload did not survive; restarting it as its manifest allows");
          await lifecycle.launch(lease, manifest);
        } else {
          // Closed honestly: billed up to the last second the node saw it alive, and the buyer gets the rest.
          ctx.move(
            lease.id,
            "finishing",
            "the workload was lost while the node was down and its manifest forbids a restart",
            { exitCode: -1, endedAt: lease.aliveAt ?? lease.startedAt ?? ctx.now() },
          );
          await lifecycle.complete();
        }
        continue;
      }
      if (onChain.state === LeaseState.Closed && lease.phase !== "finishing") {
        await lifecycle.stop(
          lease.id,
          lease.phase === "pending" ? "cancelled" : "closed",
          "the lease closed on-chain while the node was down",
        );
        continue;
      }
      if (lease.phase === "pending" && onChain.state === LeaseState.Active) {
        await lifecycle.adoptActive(lease, "acknowledged on-chain (found active after a restart)");
      }
      if (lease.phase === "acknowledged" && lease.paidUntil === null) await lifecycle.refreshPaidUntil(lease.id);
      if (lease.phase === "finishing") await lifecycle.complete();
    }
    // Whatever is left of a workload the node does not run now (a sandbox whose wrapper was
    // killed with the node, an empty cgroup) is ended and removed.
    const names = new Set([...ctx.running.keys()].map((id) => `${ctx.workloadTag}-${id}`));
    for (const name of ctx.services.liveNames()) names.add(name);
    // Service leases first: their services' cgroups sit one level below the lease's, and their networks.
    const services = await reapServiceLeftovers(await detectCgroupHost(), (name) => names.has(name), {
      prefix: `${ctx.workloadTag}-`,
    });
    for (const ns of services.namespaces)
      ctx.log.warn("deleted the network of a service lease this node no longer runs", { netns: ns });
    for (const warning of services.warnings) ctx.log.warn(`reaping services: ${warning}`);
    const report = await ctx.executor.reap((name) => names.has(name), { prefix: `${ctx.workloadTag}-` });
    for (const r of report.reaped) {
      ctx.log.warn("ended what was left of a workload this node no longer runs", {
        workload: r.workloadName,
        pids: r.pids.join(","),
        cgroups: r.cgroups.join(","),
      });
    }
    for (const warning of report.warnings) ctx.log.warn(`reaping: ${warning}`);
    ctx.capacityChanged();
  };

  return { recover };
}
