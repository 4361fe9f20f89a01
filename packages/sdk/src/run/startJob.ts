// Step 4 of a job: start it, once the provider has everything.
import { ProviderApiError, type ProviderClient } from "../provider/client.js";
import type { OnRunJobEvent } from "./events.js";
import { withProviderRetry } from "./retry.js";

/** Parameters of `startJob`. */
export interface StartJobParameters {
  leaseId: bigint;
  /** The provider's URL, named if it cannot be reached. */
  url: string;
  /** How long to retry, in ms. Default: 60 s. */
  retryMs?: number;
  onEvent?: OnRunJobEvent;
}

/**
 * Starts the job. The lease is acknowledged on-chain before this step (`takeLease`), but the provider may not
 * have read that block yet: its 409 ("not acknowledged") and 404 answers are retried, as is a provider that
 * cannot be reached, for a bounded time.
 * @example
 * await startJob(client, { leaseId: lease.leaseId, url: lease.endpoint });
 */
export async function startJob(client: ProviderClient, parameters: StartJobParameters): Promise<void> {
  await withProviderRetry(() => client.start(parameters.leaseId), {
    what: "starting the job",
    url: parameters.url,
    leaseId: parameters.leaseId,
    maxMs: parameters.retryMs ?? 60_000,
    initialDelayMs: 50,
    retryIf: (error) => error instanceof ProviderApiError && (error.status === 409 || error.status === 404),
    onRetry: (info) => parameters.onEvent?.({ type: "retry", ...info }),
  });
  parameters.onEvent?.({ type: "started" });
}
