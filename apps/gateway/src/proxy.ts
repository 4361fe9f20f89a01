// One chat completion through the gateway (docs/gateway.md): validate, quote, take the buyer's voucher, then try
// the ranked endpoints until one starts answering within the deadline, relay its answer, and charge the buyer
// exactly what that endpoint charged (+ fee), once.
//
// Failure rules:
// - Before the client has received a byte (connection refused, 5xx/429, no first byte in time, a stream that ends
//   before its first chunk) the gateway tries the next endpoint, up to `maxTries`, while the deadline allows.
//   An endpoint charges nothing for a request it did not complete, so retries are never paid twice.
// - After the client has bytes of a stream, a failure ends the stream with one SSE event
//   `data: {"error":{"type":"upstream_failed",…}}` and no `[DONE]`; the buyer is charged 0, as the endpoint
//   charged the gateway 0 (it charges only when it sends its `ocx-payment` event, at the end of a complete answer).
// - When every try failed because the gateway's own money toward the endpoints ran out (its cap, or its channel's
//   deposit), the answer is 503 `gateway_funds_exhausted` naming what ran out and what the operator must do, not a
//   502: no endpoint failed. No Retry-After: neither refills by itself.
import type { Logger } from "@ocx/node-kit";
import { OcxPaymentError } from "@ocx/sdk";
import type { Address } from "viem";
import type { GatewayConfig } from "./config.js";
import type { Endpoint, EndpointTable } from "./endpoints.js";
import type { ErrorKind, GatewayMetrics } from "./metrics.js";
import {
  type BuyerGrant,
  type BuyerPayments,
  parseUpstreamCharge,
  paymentResponse,
  type UpstreamCharge,
} from "./payments.js";
import { promptTokenBound, type RankedCandidate, rank, withFee } from "./routing.js";

/** What the proxy works with. */
export interface ProxyDeps {
  table: EndpointTable;
  routing: GatewayConfig["routing"];
  feeBps: number;
  /** Calls endpoints: the payment-wrapped fetch when payments are on, else plain fetch. */
  upstreamFetch: typeof fetch;
  /** The buyers' side of payments; absent: the gateway is free to use. */
  buyer?: BuyerPayments;
  metrics: GatewayMetrics;
  log: Logger;
}

/** An answer in OpenAI's error shape. */
export function openAiError(status: number, type: string, message: string, param?: string): Response {
  return Response.json({ error: { message, type, param: param ?? null, code: type } }, { status });
}

/** The fields of a chat completion request the gateway reads; the rest is passed through untouched. */
interface ChatRequest {
  model: string;
  messages: { role?: unknown; content?: unknown }[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  body: Record<string, unknown>;
}

function parseChatRequest(value: unknown): ChatRequest | Response {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return openAiError(400, "invalid_request_error", "the body must be a JSON object (a chat completion request)");
  }
  const body = value as Record<string, unknown>;
  if (typeof body.model !== "string" || body.model === "") {
    return openAiError(400, "invalid_request_error", "model is required: a model name from GET /v1/models", "model");
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return openAiError(
      400,
      "invalid_request_error",
      "messages is required: a non-empty array of { role, content }",
      "messages",
    );
  }
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max !== undefined && max !== null && !(Number.isSafeInteger(max) && (max as number) > 0)) {
    return openAiError(400, "invalid_request_error", "max_tokens must be a positive integer", "max_tokens");
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") {
    return openAiError(400, "invalid_request_error", "stream must be true or false", "stream");
  }
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: body.model,
    messages: body.messages as ChatRequest["messages"],
    stream: body.stream === true,
    includeUsage: options?.include_usage === true,
    maxTokens: (max as number | undefined) ?? undefined,
    body,
  };
}

/** Why a try failed, and whether the endpoint should be marked unhealthy for it. */
class TryFailure extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly unhealthy: boolean,
    /** For kind "gateway_funds": what the gateway's operator must do. */
    readonly operatorAction?: string,
  ) {
    super(message);
  }
}

/** What the operator does when the gateway's own money toward endpoints ran out, by the payment fetch's reason. */
const FUNDS_ACTIONS: Partial<Record<OcxPaymentError["reason"], string>> = {
  cap_exceeded: "raise payments.capTotal (or payments.capPerRequest) in the gateway's config and restart it",
  insufficient_channel_balance:
    "deposit into the gateway's payment channel to that endpoint (`ocx channels deposit`) or set payments.autoDeposit",
};

/** A failure of the payment fetch as a try's failure: the gateway's own funds, or another payment problem. */
function paymentFailure(error: Error): TryFailure {
  const action = error instanceof OcxPaymentError ? FUNDS_ACTIONS[error.reason] : undefined;
  if (action) return new TryFailure("gateway_funds", error.message, false, action);
  return new TryFailure("payment", `paying the endpoint failed: ${error.message}`, false);
}

/** A try that got a first byte: the response, and for streams the reader and its first chunk. */
interface Started {
  ranked: RankedCandidate<Endpoint>;
  response: Response;
  release: () => void;
  abort: AbortController;
  reader?: ReadableStreamDefaultReader<Uint8Array>;
  first?: Uint8Array;
  tries: number;
}

/**
 * Handles POST /v1/chat/completions: `rawBody` is the request's text (already size-limited), `paymentHeader` its
 * X-PAYMENT header.
 */
export async function handleChatCompletion(
  deps: ProxyDeps,
  rawBody: string,
  paymentHeader: string | undefined,
): Promise<Response> {
  const arrival = performance.now();
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse(rawBody);
  } catch {
    return openAiError(400, "invalid_request_error", "the body is not valid JSON");
  }
  const request = parseChatRequest(parsedJson);
  // (Not `instanceof Response`: @hono/node-server swaps the global Response class.)
  if (!("messages" in request)) return request;
  const { routing, metrics, table } = deps;
  const log = deps.log;

  const endpoints = table.forModel(request.model);
  if (endpoints.length === 0) {
    metrics.errors.inc({ kind: "no_endpoint", endpoint: "" });
    return openAiError(
      404,
      "model_not_found",
      `no endpoint serves model "${request.model}"; GET /v1/models lists the models served (${table.models().join(", ") || "none yet"})`,
      "model",
    );
  }
  const outputTokens = request.maxTokens ?? routing.defaultMaxTokens;
  const size = { inputTokens: promptTokenBound(request.messages), outputTokens };
  const order = rank(endpoints, size, routing).slice(0, routing.maxTries);
  if (order.length === 0) {
    metrics.errors.inc({ kind: "no_endpoint", endpoint: "" });
    return new Response(
      JSON.stringify({
        error: {
          message: `all ${endpoints.length} endpoint(s) serving "${request.model}" are at capacity; retry shortly`,
          type: "capacity_exhausted",
          param: null,
          code: "capacity_exhausted",
        },
      }),
      { status: 503, headers: { "content-type": "application/json", "retry-after": "1" } },
    );
  }

  // The buyer pays at most what the dearest endpoint it may be routed to can charge, plus the fee.
  let dearest = 0n;
  for (const r of order) if (r.quote > dearest) dearest = r.quote;
  const maxCharge = withFee(dearest, deps.feeBps);
  let payer: Address | undefined;
  let grant: BuyerGrant | undefined;
  if (deps.buyer) {
    const decision = await deps.buyer.check(paymentHeader, maxCharge);
    if (!decision.ok) {
      log.debug("payment required", { model: request.model, maxCharge, hadHeader: paymentHeader !== undefined });
      return Response.json(decision.body, { status: 402 });
    }
    payer = decision.payer;
    grant = decision.grant;
  }

  // What goes to the endpoint: the client's request, bounded to the tokens quoted, asking for usage.
  const upstreamBody = JSON.stringify({
    ...request.body,
    ...(request.maxTokens === undefined ? { max_tokens: outputTokens } : {}),
    ...(request.stream ? { stream_options: { ...(request.body.stream_options as object), include_usage: true } } : {}),
  });

  const started = await firstAnswer(deps, request, order, upstreamBody, arrival);
  if (!("ranked" in started)) {
    grant?.release();
    metrics.requestSeconds.observe(
      { model: request.model, endpoint: "", outcome: "failed" },
      (performance.now() - arrival) / 1000,
    );
    return started;
  }
  const endpoint = started.ranked.candidate;
  if (started.tries > 1) {
    metrics.failovers.inc({ model: request.model });
    log.info("failed over", { model: request.model, endpoint: endpoint.key, tries: started.tries });
  }
  const settle = async (charge: UpstreamCharge | undefined): Promise<{ charged: bigint; owed: bigint } | undefined> => {
    if (!charge) {
      // Not complete (or a 4xx): the endpoint charged nothing, so neither does the buyer.
      grant?.release();
      return undefined;
    }
    const upstream = charge.charged;
    metrics.charged.inc({ direction: "upstream" }, Number(upstream));
    if (!grant || !payer) return undefined;
    let charged = withFee(upstream, deps.feeBps);
    if (charged > maxCharge) {
      log.error("endpoint charged more than its price allows; the buyer pays the quote, the gateway the rest", {
        endpoint: endpoint.key,
        upstream,
        maxCharge,
      });
      charged = maxCharge;
    }
    const { owed } = grant.charge(charged);
    metrics.charged.inc({ direction: "buyer" }, Number(charged));
    log.debug("charged buyer", { payer, charged, owed, endpoint: endpoint.key });
    return { charged, owed };
  };

  if (!request.stream || !started.response.ok) return relayJson(deps, request, started, settle, arrival);
  return relayStream(deps, request, started, settle, arrival);
}

/** Tries `order` until an endpoint starts answering; a Response when none did (the error to send). */
async function firstAnswer(
  deps: ProxyDeps,
  request: ChatRequest,
  order: RankedCandidate<Endpoint>[],
  upstreamBody: string,
  arrival: number,
): Promise<Started | Response> {
  const { routing, metrics, table, log } = deps;
  const failures: string[] = [];
  /** The tries that failed for the gateway's own funds, and what the operator must do about them. */
  let fundsFailures = 0;
  const fundsActions = new Set<string>();
  let tries = 0;
  for (const ranked of order) {
    const left = arrival + routing.deadlineMs - performance.now();
    if (left <= 0) break;
    const endpoint = ranked.candidate;
    if (endpoint.inFlight >= endpoint.capacity) continue;
    tries += 1;
    if (tries > 1) metrics.retries.inc({ model: request.model });
    const release = table.acquire(endpoint);
    metrics.inFlight.inc({ endpoint: endpoint.key });
    const releaseAll = () => {
      release();
      metrics.inFlight.dec({ endpoint: endpoint.key });
    };
    const abort = new AbortController();
    const timer = setTimeout(
      () =>
        abort.abort(
          new TryFailure("timeout", `no answer within ${Math.round(Math.min(routing.tryTimeoutMs, left))} ms`, true),
        ),
      Math.min(routing.tryTimeoutMs, left),
    );
    const sent = performance.now();
    try {
      const response = await deps
        .upstreamFetch(`${endpoint.url}/v1/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: request.stream ? "text/event-stream" : "application/json",
          },
          body: upstreamBody,
          signal: abort.signal,
        })
        .catch((error: unknown) => {
          if (abort.signal.aborted && abort.signal.reason instanceof TryFailure) throw abort.signal.reason;
          if (error instanceof TryFailure) throw error;
          // fetch fails with a TypeError when it cannot connect; anything else comes from paying the endpoint.
          if ((error as Error).name !== "TypeError") throw paymentFailure(error as Error);
          const cause = ((error as Error).cause as Error | undefined)?.message;
          throw new TryFailure("connect", `cannot reach it: ${cause ?? (error as Error).message}`, true);
        });
      if (response.status >= 500 || response.status === 429) {
        const text = await response.text().catch(() => "");
        throw new TryFailure(
          "upstream_5xx",
          `answered ${response.status} ${text.slice(0, 200)}`,
          response.status !== 429,
        );
      }
      if (response.status === 402) {
        const text = await response.text().catch(() => "");
        throw new TryFailure(
          "payment",
          `still asks for payment (402) after the gateway paid: ${text.slice(0, 200)}`,
          false,
        );
      }
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
      let first: Uint8Array | undefined;
      if (request.stream && response.ok) {
        if (!response.body) throw new TryFailure("upstream_5xx", "answered a stream with no body", true);
        reader = response.body.getReader();
        const chunk = await reader.read().catch((error: unknown) => {
          throw abort.signal.reason instanceof TryFailure
            ? abort.signal.reason
            : new TryFailure("connect", `the stream broke before its first byte: ${(error as Error).message}`, true);
        });
        if (chunk.done) throw new TryFailure("upstream_5xx", "the stream ended before its first byte", true);
        first = chunk.value;
      }
      clearTimeout(timer);
      const ms = performance.now() - sent;
      table.recordLatency(endpoint, ms);
      metrics.firstByteSeconds.observe({ model: request.model, endpoint: endpoint.key }, ms / 1000);
      log.debug("routed", {
        model: request.model,
        endpoint: endpoint.key,
        score: Number(ranked.score.toPrecision(4)),
        quote: ranked.quote,
        try: tries,
        firstByteMs: Math.round(ms),
      });
      return {
        ranked,
        response,
        release: releaseAll,
        abort,
        ...(reader ? { reader } : {}),
        ...(first ? { first } : {}),
        tries,
      };
    } catch (error) {
      clearTimeout(timer);
      abort.abort();
      releaseAll();
      const failure = error instanceof TryFailure ? error : new TryFailure("connect", (error as Error).message, true);
      metrics.errors.inc({ kind: failure.kind, endpoint: endpoint.key });
      if (failure.unhealthy) table.markFailed(endpoint, failure.message);
      if (failure.operatorAction) {
        fundsFailures += 1;
        fundsActions.add(failure.operatorAction);
      }
      failures.push(`${endpoint.key}: ${failure.message}`);
      log.warn("try failed; trying the next endpoint", {
        model: request.model,
        endpoint: endpoint.key,
        kind: failure.kind,
        reason: failure.message,
        try: tries,
      });
    }
  }
  if (fundsFailures > 0 && fundsFailures === failures.length) {
    // No endpoint failed: the gateway could not pay any of them. The operator's to fix, so 503, and no Retry-After:
    // neither the cap nor a channel's deposit refills by itself.
    metrics.errors.inc({ kind: "gateway_funds", endpoint: "" });
    log.error("the gateway's own funds toward the endpoints are used up; buyers get 503 until the operator acts", {
      model: request.model,
      tries,
      reason: failures.join("; "),
      fix: [...fundsActions].join("; "),
    });
    return openAiError(
      503,
      "gateway_funds_exhausted",
      `the gateway cannot pay the endpoint(s) serving "${request.model}": its own funds toward them are used up (${failures.join("; ")}). No endpoint failed and nothing was charged; the gateway's operator must ${[...fundsActions].join(", and ")}`,
    );
  }
  metrics.errors.inc({ kind: "exhausted", endpoint: "" });
  const why =
    failures.length === 0
      ? `the ${routing.deadlineMs} ms deadline passed before any endpoint could be tried`
      : `${failures.length} tr${failures.length === 1 ? "y" : "ies"} failed within the ${routing.deadlineMs} ms deadline: ${failures.join("; ")}`;
  log.warn("no endpoint answered", { model: request.model, tries, reason: why });
  return openAiError(
    502,
    "upstream_failed",
    `no endpoint serving "${request.model}" answered: ${why}; nothing was charged`,
  );
}

/** Relays a non-streaming answer and charges for it. */
async function relayJson(
  deps: ProxyDeps,
  request: ChatRequest,
  started: Started,
  settle: (charge: UpstreamCharge | undefined) => Promise<{ charged: bigint; owed: bigint } | undefined>,
  arrival: number,
): Promise<Response> {
  const endpoint = started.ranked.candidate;
  const outcome = started.response.ok ? "ok" : "client_error";
  try {
    const text = await started.response.text();
    if (!started.response.ok) {
      // The endpoint refused the request itself (4xx): the client's to fix; nothing was charged.
      deps.metrics.errors.inc({ kind: "upstream_4xx", endpoint: endpoint.key });
      await settle(undefined);
      return new Response(text, {
        status: started.response.status,
        headers: { "content-type": started.response.headers.get("content-type") ?? "application/json" },
      });
    }
    countUsage(deps, request.model, text);
    const receipt = await settle(parseUpstreamCharge(started.response.headers.get("x-payment-response"), "base64"));
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (receipt && deps.buyer) {
      headers["x-payment-response"] = paymentResponse({ ...receipt, payee: deps.buyer.payee }, "header");
    }
    return new Response(text, { status: 200, headers });
  } catch (error) {
    deps.metrics.errors.inc({ kind: "midstream", endpoint: endpoint.key });
    deps.table.markFailed(endpoint, `the answer broke off: ${(error as Error).message}`);
    await settle(undefined);
    return openAiError(
      502,
      "upstream_failed",
      `the endpoint's answer broke off: ${(error as Error).message}; nothing was charged`,
    );
  } finally {
    started.release();
    deps.metrics.requestSeconds.observe(
      { model: request.model, endpoint: endpoint.key, outcome },
      (performance.now() - arrival) / 1000,
    );
  }
}

/** Adds a JSON answer's (or a stream chunk's) usage to the token counters. */
function countUsage(deps: ProxyDeps, model: string, json: string): void {
  if (!json.includes('"usage"')) return;
  try {
    const usage = (JSON.parse(json) as { usage?: { prompt_tokens?: number; completion_tokens?: number } | null }).usage;
    if (!usage) return;
    if (usage.prompt_tokens) deps.metrics.tokens.inc({ model, direction: "input" }, usage.prompt_tokens);
    if (usage.completion_tokens) deps.metrics.tokens.inc({ model, direction: "output" }, usage.completion_tokens);
  } catch {
    // Not JSON: nothing to count.
  }
}

/**
 * Relays a stream event by event: the endpoint's `ocx-payment` event is kept back (it is the gateway's bill), its
 * usage chunk is passed on only when the client asked for usage, and `[DONE]` comes after the buyer's own
 * `ocx-payment` event.
 */
function relayStream(
  deps: ProxyDeps,
  request: ChatRequest,
  started: Started,
  settle: (charge: UpstreamCharge | undefined) => Promise<{ charged: bigint; owed: bigint } | undefined>,
  arrival: number,
): Response {
  const endpoint = started.ranked.candidate;
  const reader = started.reader as ReadableStreamDefaultReader<Uint8Array>;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let buffer = "";
  let charge: UpstreamCharge | undefined;
  let finished = false;
  let idle: NodeJS.Timeout | undefined;

  const finish = (outcome: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(idle);
    started.release();
    deps.metrics.requestSeconds.observe(
      { model: request.model, endpoint: endpoint.key, outcome },
      (performance.now() - arrival) / 1000,
    );
  };

  /** The complete events in `buffer`, relayed; true once [DONE] was handled. */
  const relayEvents = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<boolean> => {
    let out = "";
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end < 0) break;
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (event.startsWith("event: ocx-payment") || event.startsWith("event:ocx-payment")) {
        const data = /^data: ?(.*)$/m.exec(event)?.[1];
        charge = parseUpstreamCharge(data, "json") ?? charge;
        continue;
      }
      if (event.startsWith(": ocx-payment ")) {
        // The same receipt as an SSE comment (base64), as the model server sends it.
        charge = parseUpstreamCharge(event.slice(": ocx-payment ".length).trim(), "base64") ?? charge;
        continue;
      }
      if (event === "data: [DONE]" || event === "data:[DONE]") {
        const receipt = await settle(charge);
        if (receipt && deps.buyer) {
          out += paymentResponse({ ...receipt, payee: deps.buyer.payee }, "sse");
        }
        out += "data: [DONE]\n\n";
        controller.enqueue(encoder.encode(out));
        return true;
      }
      if (event.includes('"usage"')) {
        const data = event.startsWith("data: ") ? event.slice(6) : event.slice(5);
        countUsage(deps, request.model, data);
        // The usage chunk (choices: []) was asked for by the gateway; pass it only to clients that asked too.
        if (!request.includeUsage && /"choices"\s*:\s*\[\s*\]/.test(data)) continue;
      }
      out += `${event}\n\n`;
    }
    if (out) controller.enqueue(encoder.encode(out));
    return false;
  };

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, reason: string) => {
    void settle(undefined);
    deps.metrics.errors.inc({ kind: "midstream", endpoint: endpoint.key });
    deps.table.markFailed(endpoint, `stream broke off: ${reason}`);
    deps.log.warn("stream broke off after the client had bytes; ending it with an error, charging 0", {
      model: request.model,
      endpoint: endpoint.key,
      reason,
    });
    const error = {
      error: {
        message: `the endpoint serving this stream failed mid-answer (${reason}); the answer is incomplete and nothing was charged`,
        type: "upstream_failed",
        param: null,
        code: "upstream_failed",
        endpoint: endpoint.url,
      },
    };
    controller.enqueue(encoder.encode(`data: ${JSON.stringify(error)}\n\n`));
    controller.close();
    finish("failed");
  };

  const stream = new ReadableStream<Uint8Array>({
    start: async (controller) => {
      buffer += decoder.decode(started.first, { stream: true }).replace(/\r\n/g, "\n");
      if (await relayEvents(controller)) {
        controller.close();
        started.abort.abort();
        finish("ok");
      }
    },
    pull: async (controller) => {
      if (finished) return;
      try {
        const chunk = await new Promise<Awaited<ReturnType<typeof reader.read>>>((resolve, reject) => {
          idle = setTimeout(
            () => reject(new Error(`no data for ${deps.routing.idleTimeoutMs} ms`)),
            deps.routing.idleTimeoutMs,
          );
          reader.read().then(resolve, reject);
        });
        clearTimeout(idle);
        if (chunk.done) {
          if (charge) {
            // Complete and billed, only the [DONE] line missing: settle as done.
            buffer += "\n\ndata: [DONE]\n\n";
            await relayEvents(controller);
            controller.close();
            finish("ok");
            return;
          }
          fail(controller, "the connection closed before the end of the answer");
          return;
        }
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
        if (await relayEvents(controller)) {
          controller.close();
          started.abort.abort();
          finish("ok");
        }
      } catch (error) {
        clearTimeout(idle);
        started.abort.abort();
        fail(controller, (error as Error).message);
      }
    },
    cancel: () => {
      // The client went away: stop the endpoint's work; it charges nothing for an aborted request.
      started.abort.abort();
      void settle(undefined);
      deps.log.info("client closed the stream; aborted the endpoint's request", { endpoint: endpoint.key });
      finish("cancelled");
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
  });
}
