// Gating a Fetch-API handler (Hono's `c.req.raw`, Bun, Deno, or node:http through @hono/node-server) behind x402.
import { encodePaymentReceipt, PAYMENT_HEADER, PAYMENT_RESPONSE_HEADER, type PaymentPrice } from "./protocol.js";
import type { PaymentGrant, PaymentReceiver } from "./receiver.js";

/** Options of {@link withPayment}. */
export interface WithPaymentOptions {
  /** The most this request can cost (read the body's max_tokens, say). Decided before any work. */
  maxAmount: (request: Request) => bigint | Promise<bigint>;
  /** The price terms for the 402 answer. Default: the receiver's. */
  price?: PaymentPrice;
}

/** What a paid handler gets besides the request: the grant, and `defer()` to settle it later (streams). */
export interface PaidRequest {
  payment: PaymentGrant;
  /**
   * Keeps the grant open after the handler returns: the handler then charges or releases it itself (at the end of
   * a stream, sending `paymentSseComment(grant.charge(cost))` before `data: [DONE]`). Without it, a 2xx response is charged `maxAmount` unless the handler
   * charged already, and any other response is charged 0.
   */
  defer(): void;
}

/**
 * Wraps a Fetch-API handler so that it runs only for a paid request: without a valid X-PAYMENT the answer is 402
 * with the terms and the reason; after the handler, the charge goes back in X-PAYMENT-RESPONSE.
 * @example
 * import { Hono } from "hono";
 * import { withPayment } from "@ocx/sdk";
 *
 * const paid = withPayment(receiver, { maxAmount: () => 1_000n }, async (request, { payment }) => {
 *   const answer = await work(request);
 *   payment.charge(answer.cost); // or let a 2xx charge maxAmount
 *   return Response.json(answer);
 * });
 * app.post("/v1/work", (c) => paid(c.req.raw));
 */
export function withPayment(
  receiver: PaymentReceiver,
  options: WithPaymentOptions,
  handler: (request: Request, paid: PaidRequest) => Response | Promise<Response>,
): (request: Request) => Promise<Response> {
  if (typeof options.maxAmount !== "function") throw new TypeError("withPayment: options.maxAmount must be a function");
  return async (request) => {
    const maxAmount = await options.maxAmount(request);
    const result = await receiver.check(request.headers.get(PAYMENT_HEADER), maxAmount, { price: options.price });
    if (!result.ok) return Response.json(result.body, { status: 402 });
    const { grant } = result;
    let deferred = false;
    let response: Response;
    try {
      response = await handler(request, {
        payment: grant,
        defer: () => {
          deferred = true;
        },
      });
    } catch (error) {
      grant.release();
      throw error;
    }
    if (deferred) return response;
    if (!grant.settled) {
      if (response.ok) grant.charge(maxAmount);
      else grant.release();
    }
    const receipt = grant.receipt;
    if (!receipt) return response;
    const headers = new Headers(response.headers);
    headers.set(PAYMENT_RESPONSE_HEADER, encodePaymentReceipt(receipt));
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
