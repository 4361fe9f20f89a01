// A typed client of the OCX indexer's HTTP API (apps/indexer): one method per route, JSON as ./types.ts says.
import { OcxError } from "../errors.js";
import { type HttpTextResult, httpText } from "../http.js";
import type { OfferTerms } from "../run/match.js";
import type {
  EmissionsResponse,
  IndexedOffer,
  IndexerStatus,
  LeasesResponse,
  LogQuery,
  LogResponse,
  MetricsWindow,
  NetworkMetricsResponse,
  OffersQuery,
  OffersResponse,
  PricesResponse,
  ProposalDetailResponse,
  ProposalsQuery,
  ProposalsResponse,
  ProviderDetailResponse,
  ProvidersResponse,
} from "./types.js";

/**
 * The indexer could not be reached or answered an error; `retryable` when it was unreachable or not ready (5xx).
 * @example
 * try { await indexer.offers() } catch (e) { if (e instanceof IndexerError && e.retryable) fallBackToChain() }
 */
export class IndexerError extends OcxError {
  override name = "IndexerError";
}

/** Options of `createIndexerClient`. */
export interface IndexerClientOptions {
  /** Milliseconds before a request is abandoned; default 10 000. */
  timeoutMs?: number;
  /** A fetch to use instead of node:http(s) GETs (tests, other runtimes). */
  fetch?: typeof fetch;
}

/** The indexer's routes as typed methods. */
export interface IndexerClient {
  readonly url: string;
  status(): Promise<IndexerStatus>;
  /** True when `/ready` answers 200 (the backfill reached the chain's head). */
  ready(): Promise<boolean>;
  offers(query?: OffersQuery): Promise<OffersResponse>;
  networkMetrics(query?: { window?: MetricsWindow; bucket?: number }): Promise<NetworkMetricsResponse>;
  prices(query?: { window?: MetricsWindow }): Promise<PricesResponse>;
  providers(query?: { sort?: "reputation" | "earnings" | "leases" }): Promise<ProvidersResponse>;
  provider(address: `0x${string}`): Promise<ProviderDetailResponse>;
  leases(query?: {
    live?: boolean;
    provider?: `0x${string}`;
    buyer?: `0x${string}`;
    limit?: number;
  }): Promise<LeasesResponse>;
  /** The governor's proposals, newest first, with their state at the indexed block. */
  proposals(query?: ProposalsQuery): Promise<ProposalsResponse>;
  /** One proposal and its votes; an `IndexerError` (HTTP 404) when it is not indexed. */
  proposal(proposalId: bigint | string): Promise<ProposalDetailResponse>;
  /** Emission epochs with recorded work, newest first: emitted, claimed, by whom. */
  emissions(query?: { limit?: number; offset?: number }): Promise<EmissionsResponse>;
  /** The raw event log, newest first, filtered by contract, event and block range. */
  log(query?: LogQuery): Promise<LogResponse>;
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return "";
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    parameters.set(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
  }
  const text = parameters.toString();
  return text ? `?${text}` : "";
}

/**
 * A client of the indexer at `url` (e.g. "http://127.0.0.1:42069").
 * @example
 * const indexer = createIndexerClient("http://127.0.0.1:42069");
 * const { offers } = await indexer.offers({ gpuModel: "h100", sort: "price" });
 */
export function createIndexerClient(url: string, options: IndexerClientOptions = {}): IndexerClient {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new IndexerError(`indexer URL ${JSON.stringify(url)} is not a URL`, {
      hint: 'give it as http://host:port, e.g. "http://127.0.0.1:42069"',
    });
  }
  const root = base.toString().replace(/\/$/, "");
  const timeoutMs = options.timeoutMs ?? 10_000;
  const custom = options.fetch;
  const request = async (url: string): Promise<HttpTextResult> => {
    if (!custom) return httpText(url, { timeoutMs, headers: { accept: "application/json" } });
    const response = await custom(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, text: await response.text() };
  };
  const get = async <T>(path: string): Promise<T> => {
    let response: HttpTextResult;
    try {
      response = await request(`${root}${path}`);
    } catch (cause) {
      throw new IndexerError(`the indexer at ${root} did not answer ${path}: ${(cause as Error).message}`, {
        cause,
        retryable: true,
        hint: "check that it runs (`ocx devnet` starts one) or remove `indexer` from the network config",
      });
    }
    const text = response.text;
    if (response.status < 200 || response.status > 299) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? message;
      } catch {}
      throw new IndexerError(`the indexer at ${root} refused ${path} (HTTP ${response.status}): ${message}`, {
        retryable: response.status >= 500,
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new IndexerError(`the indexer at ${root} answered ${path} with something that is not JSON`, { cause });
    }
  };
  return {
    url: root,
    status: () => get<IndexerStatus>("/info"),
    ready: async () => {
      try {
        return (await request(`${root}/ready`)).status === 200;
      } catch {
        return false;
      }
    },
    offers: (query) => get<OffersResponse>(`/offers${queryString(query as Record<string, unknown> | undefined)}`),
    networkMetrics: (query) => get<NetworkMetricsResponse>(`/metrics/network${queryString(query)}`),
    prices: (query) => get<PricesResponse>(`/prices${queryString(query)}`),
    providers: (query) => get<ProvidersResponse>(`/providers${queryString(query)}`),
    provider: (address) => get<ProviderDetailResponse>(`/providers/${address}`),
    leases: (query) => get<LeasesResponse>(`/leases${queryString(query)}`),
    proposals: (query) =>
      get<ProposalsResponse>(`/governance/proposals${queryString(query as Record<string, unknown> | undefined)}`),
    proposal: (proposalId) => get<ProposalDetailResponse>(`/governance/proposals/${proposalId}`),
    emissions: (query) => get<EmissionsResponse>(`/emissions${queryString(query)}`),
    log: (query) => get<LogResponse>(`/log${queryString(query as Record<string, unknown> | undefined)}`),
  };
}

/**
 * An indexed offer as the matcher's `OfferTerms` (with `verified` and `reputation` filled in).
 * @example
 * const terms = (await indexer.offers({ state: "all" })).offers.map(toOfferTerms);
 */
export function toOfferTerms(offer: IndexedOffer): OfferTerms {
  return {
    offerId: BigInt(offer.offerId),
    provider: offer.provider,
    state: offer.state,
    maxLeases: offer.maxLeases,
    activeLeases: offer.activeLeases,
    minDuration: offer.minDuration,
    maxDuration: offer.maxDuration,
    pricePerSecond: BigInt(offer.pricePerSecond),
    resources: {
      gpuModel: offer.gpuModelLabel,
      region: offer.regionLabel,
      gpuCount: offer.gpuCount,
      gpuVramMiB: offer.gpuVramMiB,
      cpuMillicores: offer.cpuMillicores,
      memoryMiB: offer.memoryMiB,
      diskMiB: offer.diskMiB,
    },
    verified: offer.verified,
    reputation: offer.reputation,
  };
}
