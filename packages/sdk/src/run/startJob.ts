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
 * The provider has not caught up with the chain yet: it does not know the lease (404), or still has it pending
 * (409 with `phase: "pending"`). Any other refusal (inputs missing, the lease over) is final.
 */
const notReadyYet = (error: unknown) =>
  error instanceof ProviderApiError &&
  (error.status === 404 || (error.status === 409 && error.body.phase === "pending"));

/**
 * Starts the job. The lease is acknowledged on-chain before this step (`takeLease`), but the provider may not
 * have read that block yet: its 404 and its 409 for a lease still pending are retried, as is a provider that
 * cannot be reached, for a bounded time; any other refusal is thrown at once.
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
    retryIf: notReadyYet,
    onRetry: (info) => parameters.onEvent?.({ type: "retry", ...info }),
  });
  parameters.onEvent?.({ type: "started" });
}
