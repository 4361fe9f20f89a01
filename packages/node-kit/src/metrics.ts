// Prometheus metrics for OCX daemons (prom-client), one registry per daemon.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry };

/**
 * Creates a metrics registry with the process's default metrics under `prefix`.
 * @example
 * const metrics = createMetrics("ocx_provider_");
 * const leases = new Gauge({ name: "ocx_provider_leases", help: "…", registers: [metrics] });
 * const text = await metrics.metrics(); // for GET /metrics
 */
export function createMetrics(prefix: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}
