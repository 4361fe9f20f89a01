// The gateway daemon: its components started in order and torn down in reverse —
// payments (buyers' receiver, the paying fetch) → endpoints (sources, refresh, probes) → HTTP API.
import {
  createComponents,
  createDaemonCommon,
  type Common as DaemonCommon,
  type Logger,
  listenApi,
  startAll,
} from "@ocx/node-kit";
import { createApi } from "./api.js";
import type { GatewayConfig } from "./config.js";
import { type EndpointInfo, EndpointTable } from "./endpoints.js";
import { createGatewayMetrics } from "./metrics.js";
import type { BuyerPayments } from "./payments.js";

export const VERSION = "0.1.0";

/** The gateway daemon's shared context (metrics named ocx_gateway_…). */
export type Common = DaemonCommon<GatewayConfig>;

/** The gateway's payment roles, built by `createChainPayments` (or given by a test). */
export interface GatewayPayments {
  /** Buyers' side: checks vouchers and records charges. */
  buyer: BuyerPayments;
  /** Calls endpoints, paying their 402s within the cap. */
  upstreamFetch: typeof fetch;
  /** Redeems what buyers owe the gateway now (one transaction per buyer); the receiver also does so on its timer. */
  redeem(): Promise<{ payer: `0x${string}`; amount: bigint; hash: `0x${string}` }[]>;
  status(): unknown;
  close(): Promise<void> | void;
}

/** A running gateway. */
export interface GatewayNode {
  /** Base URL: the OpenAI API is under `${url}/v1`. */
  url: string;
  /** The endpoint table (for status and tests). */
  table: EndpointTable;
  /** Re-reads the sources and probes every endpoint now. */
  refresh(): Promise<void>;
  /** Redeems buyers' vouchers now (nothing when payments are off). */
  redeem(): Promise<{ payer: `0x${string}`; amount: bigint; hash: `0x${string}` }[]>;
  close(): Promise<void>;
  /** Resolves when the gateway has stopped. */
  done: Promise<void>;
}

/** How the gateway is started. */
export interface StartGatewayOptions {
  log?: Logger;
  signals?: boolean;
  /** Reads the InferenceRegistry's endpoints (with reputation and verified status); required when discovery.registry. */
  registry?: () => Promise<EndpointInfo[]>;
  /** The payment roles; required when payments.enabled. */
  payments?: (common: Common) => Promise<GatewayPayments>;
}

/**
 * Starts a gateway. A failure while starting stops whatever had started, in reverse, and rethrows.
 * @example
 * const gateway = await startGateway(parseConfig("discovery: { registry: false, endpoints: [{ url: 'http://127.0.0.1:9000', model: tiny }] }\npayments: { enabled: false }"));
 * const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused" });
 */
export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<GatewayNode> {
  const common: Common = createDaemonCommon(config, {
    metricsPrefix: "ocx_gateway_",
    ...(options.log ? { log: options.log } : {}),
    ...(options.signals !== undefined ? { signals: options.signals } : {}),
  });
  const components = createComponents(common);
  const metrics = createGatewayMetrics(common.metrics);
  return startAll(common, async () => {
    let payments: GatewayPayments | undefined;
    if (config.payments.enabled) {
      if (!options.payments) throw new Error("payments.enabled needs the chain's payment roles (none were given)");
      const build = options.payments;
      payments = await components.start("payments", () => build(common));
    }
    if (config.discovery.registry && !options.registry) {
      throw new Error("discovery.registry needs a registry reader (none was given)");
    }
    const endpoints = await components.start("endpoints", () =>
      endpointsComponent(common, options.registry, metrics.endpoints),
    );
    const proxy = {
      table: endpoints.table,
      routing: config.routing,
      feeBps: config.payments.feeBps,
      upstreamFetch: payments?.upstreamFetch ?? fetch,
      ...(payments ? { buyer: payments.buyer } : {}),
      metrics,
      log: common.log.child({ component: "proxy" }),
    };
    const app = createApi({
      proxy,
      metrics: common.metrics,
      maxBodyBytes: config.api.maxBodyBytes,
      status: async () => ({ version: VERSION, components: await components.status() }),
      notReady: async () =>
        endpoints.table.all().some((e) => e.healthy) ? [] : ["no healthy inference endpoint is known yet"],
    });
    const server = await listenApi(app, { listen: config.api.listen });
    await components.start("api", () => ({ status: () => ({ url: server.url }), close: () => server.close() }));
    common.log.info("gateway is up", {
      url: server.url,
      endpoints: endpoints.table.all().length,
      models: endpoints.table.models().join(",") || "none",
      payments: config.payments.enabled,
      feeBps: config.payments.feeBps,
    });
    return {
      url: server.url,
      table: endpoints.table,
      refresh: endpoints.refresh,
      redeem: async () => (payments ? payments.redeem() : []),
      close: () => common.shutdown.run("close"),
      done: common.shutdown.done,
    };
  });
}

/** The endpoint table, kept fresh: the sources on `refreshIntervalMs`, health probes on `probeIntervalMs`. */
async function endpointsComponent(
  common: Common,
  registry: (() => Promise<EndpointInfo[]>) | undefined,
  gauge: ReturnType<typeof createGatewayMetrics>["endpoints"],
) {
  const { discovery } = common.config;
  const log = common.log.child({ component: "endpoints" });
  const table = new EndpointTable({ ewmaAlpha: common.config.routing.ewmaAlpha, log });
  table.replace(
    "config",
    discovery.endpoints.map((e) => ({
      key: `config:${e.url}`,
      url: e.url,
      model: e.model,
      pricing: e.pricing,
      capacity: e.capacity,
      ...(e.payee ? { payee: e.payee as `0x${string}` } : {}),
      verified: e.verified,
      reputation: 0.5,
    })),
  );
  const updateGauge = () => {
    gauge.reset();
    for (const e of table.all()) gauge.inc({ model: e.model, healthy: String(e.healthy) });
  };
  const readRegistry = async () => {
    if (!registry || !discovery.registry) return;
    try {
      table.replace("registry", await registry());
    } catch (error) {
      log.warn("reading the InferenceRegistry failed; keeping the endpoints known so far", {
        error: (error as Error).message.split("\n")[0],
      });
    }
  };
  const refresh = async () => {
    await readRegistry();
    await table.probeAll(discovery.probeTimeoutMs);
    updateGauge();
  };
  await refresh();
  const refreshTimer = setInterval(() => void readRegistry().then(updateGauge), discovery.refreshIntervalMs);
  const probeTimer = setInterval(
    () => void table.probeAll(discovery.probeTimeoutMs).then(updateGauge),
    discovery.probeIntervalMs,
  );
  refreshTimer.unref();
  probeTimer.unref();
  return {
    table,
    refresh,
    status: () => ({
      endpoints: table.all().map((e) => ({
        key: e.key,
        model: e.model,
        url: e.url,
        healthy: e.healthy,
        latencyMs: e.latencyMs === undefined ? null : Math.round(e.latencyMs * 10) / 10,
        inFlight: e.inFlight,
        capacity: e.capacity,
        reputation: e.reputation,
        verified: e.verified,
        pricing: e.pricing,
        ...(e.lastError ? { lastError: e.lastError } : {}),
      })),
    }),
    close: () => {
      clearInterval(refreshTimer);
      clearInterval(probeTimer);
    },
  };
}
