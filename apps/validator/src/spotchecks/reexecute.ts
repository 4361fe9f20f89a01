// Re-execution through the SDK's runJob on another provider: the provider's sandbox executor is private to the
// provider app (which the validator may not import), so the validator buys a lease of the job from a different
// provider and compares that provider's verified result hash with the checked one's.
import { annotateOffers, type Deployment, judgeOffers, listOffers, OfferState, runJob } from "@ocx/sdk";
import {
  type Account,
  type Chain,
  isAddressEqual,
  type LocalAccount,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { CompletedLease, JobBundle, ReExecution, ReExecutor } from "./ports.js";

/** Options of the runJob re-executor. */
export interface RunJobReExecutorOptions {
  publicClient: PublicClient;
  /** Pays for the re-execution lease. Use an account of its own: its transactions do not go through the daemon's sender. */
  walletClient: WalletClient<Transport, Chain, Account>;
  /** Signs the requests to the re-executing provider (the lease's buyer). */
  account: LocalAccount;
  deployment: Deployment;
  /** Only providers with at least this reputation re-execute (default 0.5: no known losses). */
  minReputation?: number;
  pollMs?: number;
}

/**
 * A re-executor that runs the job on the cheapest matching offer of another provider, and returns its result hash.
 * @example
 * const reExecutor = createRunJobReExecutor({ publicClient, walletClient, account, deployment });
 * const { resultHash } = await reExecutor.run(lease, bundle);
 */
export function createRunJobReExecutor(options: RunJobReExecutorOptions): ReExecutor {
  return {
    async run(lease: CompletedLease, bundle: JobBundle): Promise<ReExecution> {
      const { publicClient, deployment } = options;
      const others = (await listOffers(publicClient, deployment)).filter(
        (o) => o.state === OfferState.Active && !isAddressEqual(o.provider, lease.provider),
      );
      const annotated = await annotateOffers(publicClient, { deployment, offers: others });
      const [best] = judgeOffers(bundle.manifest, annotated, { minReputation: options.minReputation ?? 0.5 });
      if (!best?.matches) {
        return {
          resultHash: undefined,
          detail: `no other provider's offer can run the job (${others.length} looked at)`,
        };
      }
      const run = await runJob({
        publicClient,
        walletClient: options.walletClient,
        account: options.account,
        deployment,
        manifest: bundle.manifest,
        baseDir: bundle.dir,
        offerId: best.offer.offerId,
        market: "offer",
        pollMs: options.pollMs ?? 100,
      });
      if (!run.resultHash) return { resultHash: undefined, detail: `lease ${run.leaseId} ended without a result` };
      return {
        resultHash: run.resultHash,
        detail: `re-executed as lease ${run.leaseId} on ${run.provider} (exit ${run.exitCode})`,
      };
    },
  };
}
