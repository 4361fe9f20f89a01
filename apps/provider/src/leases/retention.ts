// Retention: what an ended lease leaves on disk (its job folder, logs, exit status and results)
// is removed once it has been ended for the configured time. The lease's row stays, marked cleaned.
import { rm } from "node:fs/promises";
import type { LeaseContext } from "./context.js";

/** Builds the retention sweep: `sweep()` removes the files of leases ended more than `keepMs` ago. */
export function createRetention(ctx: LeaseContext, options: { keepMs: number }) {
  const sweep = async (): Promise<number> => {
    let removed = 0;
    for (const lease of ctx.store.leasesToClean(Date.now() - options.keepMs)) {
      const files = ctx.files(lease.id);
      try {
        await rm(files.jobDir, { recursive: true, force: true });
        await rm(files.root, { recursive: true, force: true });
        ctx.store.updateLease(lease.id, { cleanedAt: Date.now() });
        removed++;
        ctx.leaseLog(lease.id).info("removed the ended lease's files (retention)", { phase: lease.phase });
      } catch (error) {
        ctx.leaseLog(lease.id).warn("could not remove the ended lease's files; will retry", {
          error: (error as Error).message,
        });
      }
    }
    return removed;
  };
  return { sweep };
}
