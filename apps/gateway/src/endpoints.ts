// The gateway's table of inference endpoints: what the sources (the InferenceRegistry, the config) say each
// one is, and what the gateway has seen of it (health from probes and requests, latency as a moving average,
// requests in flight against its capacity).
import type { Logger } from "@ocx/node-kit";
import type { Address } from "viem";
import type { Pricing } from "./config.js";
import type { RouteCandidate } from "./routing.js";

/** What a source says about an endpoint. */
export interface EndpointInfo {
  /** Stable across refreshes: "registry:<id>" or "config:<url>". */
  key: string;
  /** Base URL (no trailing slash); requests go to `${url}/v1/chat/completions`. */
  url: string;
  model: string;
  pricing: Pricing;
  capacity: number;
  /** Who is paid there: the registrant. */
  payee?: Address;
  verified: boolean;
  /** The payee's reputation in [0, 1]; 0.5 when unknown. */
  reputation: number;
  region?: string;
}

/** An endpoint as routing sees it. */
export interface Endpoint extends EndpointInfo, RouteCandidate {
  /** Why it was last marked unhealthy. */
  lastError?: string;
}

/**
 * The endpoint table. Each source's list replaces that source's entries on refresh; what was measured of an
 * endpoint that stays (latency, health, requests in flight) is kept.
 * @example
 * const table = new EndpointTable({ ewmaAlpha: 0.3, log });
 * table.replace("config", [{ key: "config:http://127.0.0.1:9000", url: "http://127.0.0.1:9000", model: "tiny", … }]);
 * table.forModel("tiny");
 */
export class EndpointTable {
  readonly #bySource = new Map<string, Map<string, Endpoint>>();
  readonly #alpha: number;
  readonly #log: Logger;

  constructor(options: { ewmaAlpha: number; log: Logger }) {
    this.#alpha = options.ewmaAlpha;
    this.#log = options.log;
  }

  /** Replaces `source`'s endpoints with `infos`, keeping measurements of those that stay. */
  replace(source: string, infos: readonly EndpointInfo[]): void {
    const before = this.#bySource.get(source) ?? new Map<string, Endpoint>();
    const after = new Map<string, Endpoint>();
    for (const info of infos) {
      const old = before.get(info.key);
      after.set(info.key, {
        ...info,
        url: info.url.replace(/\/+$/, ""),
        inFlight: old?.inFlight ?? 0,
        latencyMs: old?.latencyMs,
        healthy: old?.healthy ?? true,
        ...(old?.lastError ? { lastError: old.lastError } : {}),
      });
      if (!old) this.#log.info("endpoint added", { key: info.key, model: info.model, url: info.url, source });
    }
    for (const key of before.keys()) {
      if (!after.has(key)) this.#log.info("endpoint removed", { key, source });
    }
    this.#bySource.set(source, after);
  }

  /** Every endpoint. */
  all(): Endpoint[] {
    return [...this.#bySource.values()].flatMap((m) => [...m.values()]);
  }

  /** The endpoints serving `model`. */
  forModel(model: string): Endpoint[] {
    return this.all().filter((e) => e.model === model);
  }

  /** The models some endpoint serves, sorted. */
  models(): string[] {
    return [...new Set(this.all().map((e) => e.model))].sort();
  }

  /** Counts a request in flight at `endpoint`; call the returned function once when it ends. */
  acquire(endpoint: Endpoint): () => void {
    endpoint.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      endpoint.inFlight -= 1;
    };
  }

  /** A time to first byte seen at `endpoint` (ms): folds it into the moving average and marks it healthy. */
  recordLatency(endpoint: Endpoint, ms: number): void {
    endpoint.latencyMs =
      endpoint.latencyMs === undefined ? ms : this.#alpha * ms + (1 - this.#alpha) * endpoint.latencyMs;
    this.markHealthy(endpoint);
  }

  /** Marks `endpoint` unhealthy (routing tries it only when nothing healthy is left) until a probe succeeds. */
  markFailed(endpoint: Endpoint, reason: string): void {
    if (endpoint.healthy) this.#log.warn("endpoint marked unhealthy", { key: endpoint.key, reason });
    endpoint.healthy = false;
    endpoint.lastError = reason;
  }

  /** Marks `endpoint` healthy again. */
  markHealthy(endpoint: Endpoint): void {
    if (!endpoint.healthy) this.#log.info("endpoint healthy again", { key: endpoint.key });
    endpoint.healthy = true;
    delete endpoint.lastError;
  }

  /**
   * Probes every endpoint (GET /health within `timeoutMs`): a 2xx marks it healthy and, before any request has
   * been measured, seeds its latency; anything else marks it unhealthy.
   */
  async probeAll(timeoutMs: number, fetchFn: typeof fetch = fetch): Promise<void> {
    await Promise.all(
      this.all().map(async (endpoint) => {
        const started = performance.now();
        try {
          const response = await fetchFn(`${endpoint.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
          await response.body?.cancel();
          if (!response.ok) throw new Error(`GET /health answered ${response.status}`);
          if (endpoint.latencyMs === undefined) endpoint.latencyMs = performance.now() - started;
          this.markHealthy(endpoint);
        } catch (error) {
          this.markFailed(endpoint, `probe failed: ${(error as Error).message}`);
        }
      }),
    );
  }
}
