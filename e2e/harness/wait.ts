// Waiting in end-to-end tests: poll until something holds, fail with what was awaited and why it never came.

/** A failure that waiting longer cannot fix (the process being waited on has exited): `waitFor` rethrows it at once. */
export class FatalWaitError extends Error {}

export interface WaitOptions {
  /** How long to wait in all. Default: 60 s. */
  timeoutMs?: number;
  /** The pause between two probes. Default: 250 ms. */
  intervalMs?: number;
  /** Added to the time-out's message (a daemon's recent log). */
  context?: () => string;
}

/**
 * Calls `probe` until it returns a value other than `undefined` or `false`, and returns that value. A probe that
 * throws counts as not yet, except with a `FatalWaitError`, which ends the wait. After `timeoutMs` it fails naming
 * `what`.
 * @example
 * await waitFor("the provider's /ready", async () => (await fetch(`${url}/ready`)).ok, { timeoutMs: 60_000 });
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 250, context }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((error) => {
      if (error instanceof FatalWaitError) throw error;
      return undefined;
    });
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context ? `\n${context()}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
