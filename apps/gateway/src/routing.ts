// How the gateway chooses among the endpoints serving a model (docs/gateway.md, "Routing"): what a request
// can cost at each endpoint, and the score that orders them. Pure functions: the endpoint table feeds them.
import type { Pricing } from "./config.js";

/** What routing knows about one endpoint at the moment of choosing. */
export interface RouteCandidate {
  /** A stable key: the registry's endpoint id ("registry:7") or the config's URL ("config:http://…"). */
  key: string;
  pricing: Pricing;
  /** Requests it takes at once, and how many the gateway has in flight there now. */
  capacity: number;
  inFlight: number;
  /** Moving average of its time to first byte, ms; undefined before the first sample. */
  latencyMs: number | undefined;
  /** Its provider's reputation in [0, 1] (0.5 for one unknown). */
  reputation: number;
  verified: boolean;
  /** False after a failed request or probe, until a probe succeeds. */
  healthy: boolean;
}

/** The parts of a request that bound its price. */
export interface RequestSize {
  /** An upper bound on the prompt's tokens (see `promptTokenBound`). */
  inputTokens: number;
  /** The most tokens the answer can have (max_tokens, or the configured default). */
  outputTokens: number;
}

/** Routing settings (the config's `routing`). */
export interface RoutingSettings {
  latencyScaleMs: number;
  unverifiedPenalty: number;
}

/** Integer division rounded up, for amounts charged (against the payer: the metering convention). */
export const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/**
 * The most a request can cost at an endpoint, in smallest units, each part rounded up as endpoints charge:
 * perRequest + ⌈inputTokens·per1kInputTokens/1000⌉ + ⌈outputTokens·per1kOutputTokens/1000⌉.
 * @example
 * quoteAt({ perRequest: 10n, per1kInputTokens: 1000n, per1kOutputTokens: 3000n }, { inputTokens: 5, outputTokens: 7 }); // 10 + 5 + 21 = 36n
 */
export function quoteAt(pricing: Pricing, size: RequestSize): bigint {
  return (
    pricing.perRequest +
    ceilDiv(BigInt(size.inputTokens) * pricing.per1kInputTokens, 1000n) +
    ceilDiv(BigInt(size.outputTokens) * pricing.per1kOutputTokens, 1000n)
  );
}

/**
 * What the gateway charges the buyer for an endpoint's charge: the charge plus ⌈charge·feeBps/10000⌉ (rounded up).
 * @example
 * withFee(1001n, 25); // 1001 + ⌈2.5025⌉ = 1004n
 */
export function withFee(charged: bigint, feeBps: number): bigint {
  return charged + ceilDiv(charged * BigInt(feeBps), 10_000n);
}

/**
 * An upper bound on a chat prompt's tokens under any byte-level tokenizer: one token per UTF-8 byte of every
 * message's text, plus 16 per message for the chat template's role markers and separators. Used only to quote the most a
 * request can cost; the endpoint charges what it counted.
 */
export function promptTokenBound(messages: readonly { role?: unknown; content?: unknown }[]): number {
  let tokens = 0;
  for (const message of messages) {
    const content =
      typeof message.content === "string"
        ? message.content
        : Array.isArray(message.content)
          ? message.content.map((part) => (typeof part?.text === "string" ? part.text : "")).join("")
          : "";
    tokens += Buffer.byteLength(content, "utf8") + 16;
  }
  return tokens;
}

/**
 * The routing score, lower is better:
 *   score = (quote + 1) × (1 + latency / L) / (0.5 + reputation) × (verified ? 1 : unverifiedPenalty)
 * where quote is what this request can cost there (smallest units; +1 so free endpoints still rank by the rest),
 * latency the moving average of time to first byte (L when not yet measured: a newcomer is neither favoured nor
 * shunned), reputation in [0, 1].
 * @example
 * score({ ...candidate, latencyMs: 0, reputation: 0.5, verified: true }, 99n, { latencyScaleMs: 200, unverifiedPenalty: 2 }); // 100
 */
export function score(candidate: RouteCandidate, quote: bigint, settings: RoutingSettings): number {
  const latency = candidate.latencyMs ?? settings.latencyScaleMs;
  return (
    ((Number(quote) + 1) * (1 + latency / settings.latencyScaleMs)) /
    (0.5 + Math.min(1, Math.max(0, candidate.reputation))) /
    (candidate.verified ? 1 : 1 / settings.unverifiedPenalty)
  );
}

/** A candidate in the order tried, with its score and quote (for logs and the status page). */
export interface RankedCandidate<C extends RouteCandidate = RouteCandidate> {
  candidate: C;
  quote: bigint;
  score: number;
}

/**
 * The endpoints to try for a request, best first: healthy ones with free capacity by score (ties by key, so
 * the order is deterministic); then, as a last resort, unhealthy ones with capacity (a probe may be stale).
 * Endpoints at capacity are left out.
 * @example
 * const order = rank(candidates, { inputTokens: 20, outputTokens: 64 }, { latencyScaleMs: 200, unverifiedPenalty: 2 });
 */
export function rank<C extends RouteCandidate>(
  candidates: readonly C[],
  size: RequestSize,
  settings: RoutingSettings,
): RankedCandidate<C>[] {
  const ranked = candidates
    .filter((c) => c.inFlight < c.capacity)
    .map((candidate) => {
      const quote = quoteAt(candidate.pricing, size);
      return { candidate, quote, score: score(candidate, quote, settings) };
    });
  ranked.sort(
    (a, b) =>
      Number(b.candidate.healthy) - Number(a.candidate.healthy) ||
      a.score - b.score ||
      (a.candidate.key < b.candidate.key ? -1 : a.candidate.key > b.candidate.key ? 1 : 0),
  );
  return ranked;
}
