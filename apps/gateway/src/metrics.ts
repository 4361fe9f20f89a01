// The gateway's Prometheus metrics (all named ocx_gateway_…): latency per endpoint and model, errors by kind,
// retries, failovers, tokens and amounts charged.
import { Counter, Gauge, Histogram, type Registry } from "@ocx/node-kit";

/** Why a try or a request failed, as counted in `ocx_gateway_errors_total{kind}`. */
export type ErrorKind =
  | "connect" // the endpoint could not be reached
  | "timeout" // no first byte within the try's time
  | "upstream_5xx" // the endpoint answered 5xx or 429
  | "upstream_4xx" // the endpoint refused the request (passed to the client)
  | "midstream" // the answer broke off after the client had bytes
  | "payment" // paying the endpoint failed (voucher refused, a deposit that failed)
  | "gateway_funds" // the gateway's own cap or channel deposit toward the endpoint is used up (the operator's to fix)
  | "no_endpoint" // nothing serves the model, or everything is at capacity
  | "exhausted"; // every try failed within the deadline

/** The gateway's metrics, registered on the daemon's registry. */
export interface GatewayMetrics {
  requestSeconds: Histogram<"model" | "endpoint" | "outcome">;
  firstByteSeconds: Histogram<"model" | "endpoint">;
  errors: Counter<"kind" | "endpoint">;
  retries: Counter<"model">;
  failovers: Counter<"model">;
  tokens: Counter<"model" | "direction">;
  charged: Counter<"direction">;
  inFlight: Gauge<"endpoint">;
  endpoints: Gauge<"model" | "healthy">;
}

/**
 * Registers the gateway's metrics on `registry`.
 * @example
 * const metrics = createGatewayMetrics(common.metrics);
 * metrics.retries.inc({ model: "tiny" });
 */
export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
  return {
    requestSeconds: new Histogram({
      name: "ocx_gateway_request_seconds",
      help: "Chat completion requests, arrival to last byte, by model, endpoint that answered and outcome (ok, client_error, failed).",
      labelNames: ["model", "endpoint", "outcome"],
      buckets,
      registers,
    }),
    firstByteSeconds: new Histogram({
      name: "ocx_gateway_upstream_first_byte_seconds",
      help: "Time from sending a try to an endpoint to its first byte, by model and endpoint.",
      labelNames: ["model", "endpoint"],
      buckets,
      registers,
    }),
    errors: new Counter({
      name: "ocx_gateway_errors_total",
      help: "Failed tries and requests by kind (connect, timeout, upstream_5xx, upstream_4xx, midstream, payment, gateway_funds, no_endpoint, exhausted); endpoint is empty on a request's final failure.",
      labelNames: ["kind", "endpoint"],
      registers,
    }),
    retries: new Counter({
      name: "ocx_gateway_retries_total",
      help: "Tries after the first one of a request.",
      labelNames: ["model"],
      registers,
    }),
    failovers: new Counter({
      name: "ocx_gateway_failovers_total",
      help: "Requests answered by an endpoint other than the first one tried.",
      labelNames: ["model"],
      registers,
    }),
    tokens: new Counter({
      name: "ocx_gateway_tokens_total",
      help: "Tokens the endpoints reported (usage), by model and direction (input, output).",
      labelNames: ["model", "direction"],
      registers,
    }),
    charged: new Counter({
      name: "ocx_gateway_charged_units_total",
      help: "Amounts in the payment token's smallest units: charged to buyers (buyer) and charged by endpoints (upstream).",
      labelNames: ["direction"],
      registers,
    }),
    inFlight: new Gauge({
      name: "ocx_gateway_in_flight",
      help: "Requests in flight at each endpoint.",
      labelNames: ["endpoint"],
      registers,
    }),
    endpoints: new Gauge({
      name: "ocx_gateway_endpoints",
      help: "Known endpoints by model and health.",
      labelNames: ["model", "healthy"],
      registers,
    }),
  };
}
