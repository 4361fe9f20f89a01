// After a service lease starts: polls its provider until every service is healthy, reporting each change of
// state, and gives up with the reason when a service crash-loops, the lease ends, or time runs out.
import { OcxError, OcxProviderError } from "../errors.js";
import { ProviderApiError, type ProviderClient } from "../provider/client.js";
import { sleep } from "../run/retry.js";
import { type GetServiceStatusReturnType, getServiceStatus } from "./getServiceStatus.js";

/** Progress of `waitForServices` (and `deployService`): the services' states whenever one changes. */
export type ServiceWaitEvent = { type: "services"; status: GetServiceStatusReturnType; elapsedMs: number };

/** Parameters of `waitForServices`. */
export interface WaitForServicesParameters {
  leaseId: bigint;
  /** The provider's URL, named in errors. */
  url: string;
  /** How long to wait for every service to be healthy, in ms. Default: 120 s. */
  timeoutMs?: number;
  /** How often to ask, in ms. Default: 500. */
  pollMs?: number;
  onEvent?: (event: ServiceWaitEvent) => void;
}

/** Lease phases after which no service will become healthy. */
const ENDED = new Set(["completed", "cancelled", "closed", "exhausted", "failed", "stopping"]);

/**
 * Waits until every service of the lease is healthy and returns its status (with the URLs). Throws an
 * `OcxError` naming the service and its reason when one is crash-looping or stopped, when the lease ends, or
 * at the timeout (with each service's state). A provider that cannot be reached is asked again until the timeout.
 * @example
 * const ready = await waitForServices(provider, { leaseId, url: lease.endpoint,
 *   onEvent: (e) => console.error(e.status.services.map((s) => `${s.name} ${s.state}`).join(", ")) });
 * console.log(ready.urls);
 */
export async function waitForServices(
  provider: Pick<ProviderClient, "status">,
  parameters: WaitForServicesParameters,
): Promise<GetServiceStatusReturnType> {
  const { leaseId } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 120_000;
  const pollMs = parameters.pollMs ?? 500;
  const started = Date.now();
  let shown = "";
  let last: GetServiceStatusReturnType | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await getServiceStatus(provider, { leaseId });
      lastError = undefined;
      const summary = JSON.stringify([last.phase, last.services.map((s) => [s.name, s.state, s.reason])]);
      if (summary !== shown) {
        shown = summary;
        parameters.onEvent?.({ type: "services", status: last, elapsedMs: Date.now() - started });
      }
      if (last.healthy) return last;
      const broken = last.services.find((s) => s.state === "crash-looping" || s.state === "stopped");
      if (broken) {
        throw new OcxError(
          `service ${broken.name} of lease #${leaseId} is ${broken.state}: ${broken.reason || "no reason given"}`,
          {
            retryable: false,
            hint: `see its output with \`ocx job logs ${leaseId} --service ${broken.name}\`, fix the manifest, close the lease with \`ocx job close ${leaseId}\` and deploy again`,
          },
        );
      }
      if (ENDED.has(last.phase)) {
        throw new OcxError(
          `lease #${leaseId} ended before its services were healthy: ${last.phase} (${last.message})`,
          {
            retryable: false,
          },
        );
      }
    } catch (error) {
      if (!(error instanceof OcxProviderError)) throw error;
      // The provider may not have read the lease yet (404), or be restarting: ask again.
      if (error instanceof ProviderApiError && error.status !== 404 && error.status < 500) throw error;
      lastError = error;
    }
    if (Date.now() - started >= timeoutMs) {
      const states = last?.services.map((s) => `${s.name} ${s.state}${s.reason ? ` (${s.reason})` : ""}`).join(", ");
      throw new OcxError(
        `the services of lease #${leaseId} were not all healthy after ${Math.round(timeoutMs / 1000)} s${states ? `: ${states}` : ""}${lastError ? `; last error: ${(lastError as Error).message}` : ""}`,
        {
          retryable: true,
          hint: `the lease keeps running: follow it with \`ocx job status ${leaseId}\` and \`ocx job logs ${leaseId} --service <name>\``,
        },
      );
    }
    await sleep(pollMs);
  }
}
