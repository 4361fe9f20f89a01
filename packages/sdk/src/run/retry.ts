// Talking to a provider that may restart: retry what a retry can fix, with backoff, for a bounded time.
import { OcxProviderError, toOcxError } from "../errors.js";

/** How `withProviderRetry` retries. */
export interface ProviderRetryOptions {
  /** What is being done, for the progress event, e.g. "following the logs". */
  what: string;
  /** The provider's URL, named when giving up. */
  url: string;
  /** The lease, named with the commands that pick it up again when giving up. */
  leaseId: bigint;
  /** Give up after failing for this long without progress, in ms. Default: 60 s. */
  maxMs?: number;
  /** First delay, doubled after each failure up to 5 s. Default: 250 ms. */
  initialDelayMs?: number;
  /** Besides retryable errors, also retry these (e.g. "the provider has not seen the lease yet"). */
  retryIf?: (error: unknown) => boolean;
  /** A counter that grows while `call` makes progress (e.g. bytes received): when it has grown since the last
   * failure, the time to give up counts again from now. */
  progress?: () => number;
  /** Called before each wait. */
  onRetry?: (info: { what: string; attempt: number; delayMs: number; error: string }) => void;
}

/**
 * Runs `call` until it succeeds; an error whose `toOcxError(e).retryable` is true (or that `retryIf` accepts) is
 * retried with exponential backoff until `maxMs` has passed, then `OcxProviderError` names the provider's URL and
 * says that the lease still runs and how to pick it up (`ocx job logs -f <id>`, `ocx job results <id>`). Other
 * errors are thrown at once.
 * @example
 * const status = await withProviderRetry(() => client.status(leaseId), { what: "reading the status", url, leaseId });
 */
export async function withProviderRetry<T>(call: () => Promise<T>, options: ProviderRetryOptions): Promise<T> {
  const maxMs = options.maxMs ?? 60_000;
  const firstDelayMs = options.initialDelayMs ?? 250;
  let delayMs = firstDelayMs;
  // The failing streak: when it began, and how far `call` had got then.
  let failingSince: number | undefined;
  let progressAtFailure: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const ocx = toOcxError(error);
      if (!ocx.retryable && !options.retryIf?.(error)) throw error;
      const progress = options.progress?.();
      if (failingSince === undefined || (progress !== undefined && progress !== progressAtFailure)) {
        failingSince = Date.now();
        progressAtFailure = progress;
        delayMs = firstDelayMs;
      }
      const elapsed = Date.now() - failingSince;
      if (elapsed + delayMs > maxMs) throw giveUp(options, ocx.shortMessage, elapsed, error);
      options.onRetry?.({ what: options.what, attempt, delayMs, error: ocx.shortMessage });
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 5_000);
    }
  }
}

function giveUp(options: ProviderRetryOptions, last: string, elapsedMs: number, cause: unknown): OcxProviderError {
  const id = options.leaseId;
  return new OcxProviderError(
    `gave up ${options.what} after ${Math.round(elapsedMs / 1000)} s: the provider at ${options.url} did not answer ` +
      `(${last}); lease #${id} still runs on-chain: follow it with \`ocx job logs -f ${id}\` and fetch its results ` +
      `with \`ocx job results ${id}\``,
    { url: options.url, cause, retryable: true },
  );
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
