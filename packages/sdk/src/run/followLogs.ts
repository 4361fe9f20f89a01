// Step 5 of a job: its live logs, resumed across dropped connections and provider restarts, until it ends.
import type { ProviderClient, ProviderLeaseStatus } from "../provider/client.js";
import type { OnRunJobEvent } from "./events.js";
import { sleep, withProviderRetry } from "./retry.js";

/**
 * The provider phases after which a lease runs no more.
 * @example
 * if (FINAL_PHASES.includes(status.phase)) console.log("done", status.exitCode);
 */
export const FINAL_PHASES: readonly ProviderLeaseStatus["phase"][] = [
  "completed",
  "cancelled",
  "closed",
  "exhausted",
  "failed",
];

/** Parameters of `followLogs`. */
export interface FollowLogsParameters {
  leaseId: bigint;
  /** The provider's URL, named if it cannot be reached. */
  url: string;
  /** Give up after the provider has been unreachable this long without progress, in ms. Default: 60 s. */
  retryMs?: number;
  /** How often to read the status once the logs have ended, in ms. Default: 100. */
  pollMs?: number;
  /** Receives `log`, `retry` and `finished` events. */
  onEvent?: OnRunJobEvent;
}

/**
 * Streams stdout and stderr as `log` events until the job ends, then waits for the provider's final status and
 * returns it. A dropped stream resumes from the byte it reached; a provider that restarts is retried with backoff;
 * after `retryMs` without progress an `OcxProviderError` names the provider's URL and says that the lease still
 * runs and how to follow it (`ocx job logs -f <id>`, `ocx job results <id>`).
 * @example
 * const status = await followLogs(client, {
 *   leaseId, url: lease.endpoint,
 *   onEvent: (e) => e.type === "log" && process.stdout.write(e.chunk),
 * });
 * status.exitCode;
 */
export async function followLogs(
  client: ProviderClient,
  parameters: FollowLogsParameters,
): Promise<ProviderLeaseStatus> {
  const { leaseId } = parameters;
  const emit = parameters.onEvent ?? (() => {});
  const retry = (what: string, progress?: () => number) => ({
    what,
    url: parameters.url,
    leaseId,
    maxMs: parameters.retryMs ?? 60_000,
    ...(progress ? { progress } : {}),
    onRetry: (info: { what: string; attempt: number; delayMs: number; error: string }) =>
      emit({ type: "retry", ...info }),
  });
  // Offsets survive reconnections: each follow resumes from the byte the last one reached.
  const offsets = { stdout: 0, stderr: 0 };
  const follow = (stream: "stdout" | "stderr") =>
    withProviderRetry(
      async () => {
        for await (const chunk of client.logs(leaseId, { stream, offset: offsets[stream], follow: true })) {
          offsets[stream] += chunk.byteLength;
          emit({ type: "log", stream, chunk });
        }
      },
      retry(`following the ${stream} of lease #${leaseId}`, () => offsets[stream]),
    );
  const status = () => withProviderRetry(() => client.status(leaseId), retry(`reading lease #${leaseId}'s status`));
  let current: ProviderLeaseStatus;
  for (;;) {
    await Promise.all([follow("stdout"), follow("stderr")]);
    current = await status();
    if (FINAL_PHASES.includes(current.phase)) break;
    // A stream can also end because the connection closed early: follow again from where it stopped (a job that
    // has exited but is still being packed ends its streams at once).
    await sleep(parameters.pollMs ?? 100);
  }
  emit({ type: "finished", status: current });
  return current;
}
