// The OpenAI-compatible HTTP API of a model server: GET /health, GET /v1/models, POST /v1/chat/completions (a JSON
// answer, or SSE ending in `data: [DONE]`). Every request is decided in this order before any model work: size
// (413), capacity (503), a valid body (400), the model (404), then payment (402) for the most the request can cost.
// GET /v1/payments/vouchers hands a paid server's books to its payee (authenticated first; see `books`).
import {
  chargeFor,
  encodePayeeBooks,
  encodePaymentReceipt,
  PAYEE_VOUCHERS_PATH,
  PAYMENT_HEADER,
  PAYMENT_RESPONSE_HEADER,
  type PayeeBooks,
  type PaymentGrant,
  type PaymentPrice,
  type PaymentReceipt,
  type PaymentReceiver,
  paymentSseComment,
} from "@ocx/sdk";
import { type Generation, generate, type LoadedModel } from "@ocx/tinylm";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type ChatRequest, ChatRequestError, parseChatRequest } from "./chat.js";

/** Options of {@link createModelServerApp}. */
export interface ModelServerOptions {
  model: LoadedModel;
  /** Takes the x402 payments; without one the server is free (say so in its logs). */
  receiver?: PaymentReceiver;
  /** Price terms (payment token's smallest units). Default: all zero. */
  price?: PaymentPrice;
  /** Requests generating at once; more are refused with 503. Default 4. */
  capacity?: number;
  /** Largest request body in bytes. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Largest `max_tokens`. Default 512. */
  maxTokens?: number;
  /** `max_tokens` when a request gives none. Default 128. */
  defaultMaxTokens?: number;
  /**
   * The books handed to the payee at GET /v1/payments/vouchers: `verify` checks the Authorization header (resolves
   * why not, or undefined), `read` the owed amounts and latest vouchers. Without it the route answers 404.
   */
  books?: { verify(header: string | undefined): Promise<string | undefined>; read(): PayeeBooks };
  /** One line per decision. Default: silent. */
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** What the app counts, for /health and tests. */
export interface ModelServerStats {
  served: number;
  refused: Record<string, number>;
  active: number;
  completionTokens: number;
}

/**
 * Builds the server's Hono app (serve it with @hono/node-server, or call `app.request` in tests).
 *
 * @example
 * const { app } = createModelServerApp({ model: await loadWeights(SHIPPED_WEIGHTS), receiver, price });
 * serve({ fetch: app.fetch, port: 8080 });
 */
export function createModelServerApp(options: ModelServerOptions): { app: Hono; stats: ModelServerStats } {
  const { model, receiver } = options;
  const price = options.price ?? { perRequest: 0n, per1kInputTokens: 0n, per1kOutputTokens: 0n };
  const capacity = options.capacity ?? 4;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const limits = { maxTokens: options.maxTokens ?? 512, defaultMaxTokens: options.defaultMaxTokens ?? 128 };
  const log = options.log ?? (() => {});
  const stats: ModelServerStats = { served: 0, refused: {}, active: 0, completionTokens: 0 };
  const created = Math.floor(Date.now() / 1000);
  const app = new Hono();

  const refuse = (status: 400 | 402 | 404 | 413 | 503, type: string, message: string, param: string | null = null) => {
    stats.refused[type] = (stats.refused[type] ?? 0) + 1;
    log("refused", { status, type, message });
    return Response.json({ error: { message, type, param, code: type } }, { status });
  };

  app.get("/health", (c) =>
    c.json({ status: "ok", model: model.name, active: stats.active, capacity, paid: receiver !== undefined }),
  );

  app.get(PAYEE_VOUCHERS_PATH, async (c) => {
    const { books } = options;
    if (!books) return refuse(404, "not_found", "this server keeps no payment books (it is free)");
    const why = await books.verify(c.req.header("authorization"));
    if (why !== undefined) {
      log("books refused", { why });
      return Response.json(
        { error: { message: why, type: "unauthorized", param: null, code: "unauthorized" } },
        { status: 401 },
      );
    }
    const read = books.read();
    log("books handed to the payee", { payers: read.payers.length });
    return c.json(encodePayeeBooks(read) as object);
  });

  app.get("/v1/models", (c) =>
    c.json({ object: "list", data: [{ id: model.name, object: "model", created, owned_by: "ocx" }] }),
  );

  app.post(
    "/v1/chat/completions",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () =>
        refuse(413, "request_too_large", `the request body is over ${maxBodyBytes} bytes: send a shorter prompt`),
    }),
    async (c) => {
      // Capacity before reading the body: a full server spends nothing on a request it cannot serve. The slot is
      // taken now and given back when the answer ends (a stream's end) or the request is refused.
      if (stats.active >= capacity)
        return refuse(
          503,
          "at_capacity",
          `all ${capacity} slots are generating: retry shortly or use another endpoint`,
        );
      stats.active++;
      let streaming = false;
      try {
        let chat: ChatRequest;
        try {
          const body = await c.req.json().catch(() => {
            throw new ChatRequestError("the body is not valid JSON", null);
          });
          chat = parseChatRequest(body, limits);
        } catch (error) {
          if (error instanceof ChatRequestError)
            return refuse(400, "invalid_request_error", error.message, error.param);
          throw error;
        }
        if (chat.model !== model.name)
          return refuse(404, "model_not_found", `this server serves "${model.name}", not "${chat.model}"`, "model");
        const maxAmount = chargeFor(price, { inputTokens: chat.promptTokens, outputTokens: chat.maxTokens });
        let grant: PaymentGrant | undefined;
        if (receiver) {
          const checked = await receiver.check(c.req.header(PAYMENT_HEADER), maxAmount, { price });
          if (!checked.ok) {
            stats.refused.payment_required = (stats.refused.payment_required ?? 0) + 1;
            log("payment refused", { reason: checked.body.reason, maxAmount: String(maxAmount) });
            return Response.json(checked.body, { status: 402 });
          }
          grant = checked.grant;
        }
        log("accepted", {
          payer: grant?.payer ?? "free",
          promptTokens: chat.promptTokens,
          maxTokens: chat.maxTokens,
          maxAmount: String(maxAmount),
          stream: chat.stream,
        });
        const charge = (generation: Generation): PaymentReceipt | undefined => {
          stats.served++;
          stats.completionTokens += generation.completionTokens;
          const cost = chargeFor(price, { inputTokens: chat.promptTokens, outputTokens: generation.completionTokens });
          const receipt = grant?.charge(cost);
          log("served", {
            payer: grant?.payer ?? "free",
            promptTokens: chat.promptTokens,
            completionTokens: generation.completionTokens,
            charged: String(receipt?.charged ?? 0n),
            owed: String(receipt?.owed ?? 0n),
          });
          return receipt;
        };
        if (chat.stream) {
          streaming = true;
          return streamAnswer(chat, model, charge, grant, () => stats.active--, log);
        }
        try {
          const pieces = generate(model.model, chat.prompt, sampling(chat));
          let r = pieces.next();
          while (!r.done) r = pieces.next();
          const generation = r.value;
          const receipt = charge(generation);
          const headers: Record<string, string> = {};
          if (receipt) headers[PAYMENT_RESPONSE_HEADER] = encodePaymentReceipt(receipt);
          return c.json(
            {
              id: completionId(),
              object: "chat.completion",
              created: Math.floor(Date.now() / 1000),
              model: model.name,
              choices: [
                {
                  index: 0,
                  message: { role: "assistant", content: generation.text, refusal: null },
                  logprobs: null,
                  finish_reason: generation.finishReason,
                },
              ],
              usage: usage(chat, generation),
            },
            200,
            headers,
          );
        } catch (error) {
          grant?.release();
          throw error;
        }
      } finally {
        if (!streaming) stats.active--;
      }
    },
  );

  app.onError((error) => {
    log("failed", { error: String(error) });
    return Response.json({ error: { message: "the server failed to answer", type: "server_error" } }, { status: 500 });
  });
  app.notFound((c) =>
    c.json(
      {
        error: {
          message: `no route ${c.req.method} ${c.req.path}: this server answers GET /health, GET /v1/models, POST /v1/chat/completions`,
          type: "not_found",
        },
      },
      404,
    ),
  );
  return { app, stats };
}

function sampling(chat: ChatRequest) {
  return {
    maxTokens: chat.maxTokens,
    temperature: chat.temperature,
    topK: chat.topK,
    seed: chat.seed,
    stop: chat.stop,
  };
}

function usage(chat: ChatRequest, generation: Generation) {
  return {
    prompt_tokens: chat.promptTokens,
    completion_tokens: generation.completionTokens,
    total_tokens: chat.promptTokens + generation.completionTokens,
  };
}

function completionId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * The SSE answer: a role chunk, one chunk per piece of text (the event loop turns between tokens, so each is sent
 * as it is made), a last chunk with the finish reason, a usage chunk when asked, the payment receipt as an SSE
 * comment, and `data: [DONE]`. A client that goes away mid-stream is charged 0.
 */
function streamAnswer(
  chat: ChatRequest,
  model: LoadedModel,
  charge: (generation: Generation) => PaymentReceipt | undefined,
  grant: PaymentGrant | undefined,
  done: () => void,
  log: NonNullable<ModelServerOptions["log"]>,
): Response {
  const id = completionId();
  const createdAt = Math.floor(Date.now() / 1000);
  const encoder = new TextEncoder();
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    encoder.encode(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: createdAt, model: model.name, choices, ...extra })}\n\n`,
    );
  const pieces = generate(model.model, chat.prompt, sampling(chat));
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]));
    },
    async pull(controller) {
      // Let the socket drain and a disconnect be noticed between tokens.
      await new Promise((resolve) => setImmediate(resolve));
      if (finished) return;
      try {
        const r = pieces.next();
        if (!r.done) {
          controller.enqueue(chunk([{ index: 0, delta: { content: r.value }, finish_reason: null }]));
          return;
        }
        const generation = r.value;
        controller.enqueue(chunk([{ index: 0, delta: {}, finish_reason: generation.finishReason }]));
        if (chat.includeUsage) controller.enqueue(chunk([], { usage: usage(chat, generation) }));
        const receipt = charge(generation);
        // A comment, not a named event: OpenAI clients hand every non-comment event to the caller as a chunk.
        if (receipt) controller.enqueue(encoder.encode(paymentSseComment(receipt)));
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        controller.close();
        finish();
      } catch (error) {
        grant?.release();
        finish();
        controller.error(error);
      }
    },
    cancel() {
      if (!finished) {
        grant?.release();
        log("stream aborted by the client: charged 0", { payer: grant?.payer ?? "free" });
      }
      finish();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
  });
}
