// Signed requests expire: a provider refuses timestamps too far from its own clock, which
// bounds how long it must remember signatures to refuse replays.

/** The skew allowed between the buyer's and the provider's clocks by default, in seconds. */
export const DEFAULT_MAX_SKEW_SECONDS = 60;

/** Thrown when a request's timestamp is too far from the provider's clock. */
export class StaleSignatureError extends Error {
  override name = "StaleSignatureError";
  constructor(
    readonly timestamp: number,
    readonly now: number,
    readonly maxSkewSeconds: number,
  ) {
    const skew = timestamp - now;
    const when = (seconds: number) =>
      Number.isFinite(seconds) && Math.abs(seconds) < 8.64e12 ? ` (${new Date(seconds * 1000).toISOString()})` : "";
    super(
      `request signed at ${timestamp}${when(timestamp)} is ${Math.abs(skew)} s ${skew < 0 ? "older than" : "ahead of"} ` +
        `the provider's clock ${now}${when(now)}; at most ${maxSkewSeconds} s is allowed. Check the clock and sign again.`,
    );
  }
}

/**
 * Throws `StaleSignatureError` unless `timestamp` is within `maxSkewSeconds` of `now` (both
 * unix seconds), in either direction.
 * @example
 * verifyFreshness(timestamp, Math.floor(Date.now() / 1000)); // throws if more than 60 s apart
 */
export function verifyFreshness(timestamp: number, now: number, maxSkewSeconds = DEFAULT_MAX_SKEW_SECONDS): void {
  if (!(Math.abs(timestamp - now) <= maxSkewSeconds)) throw new StaleSignatureError(timestamp, now, maxSkewSeconds);
}
