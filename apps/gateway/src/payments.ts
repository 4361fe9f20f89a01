// The gateway's two payment roles (docs/payments.md, docs/gateway.md "Payments"): payee of buyers' channels
// (an x402 PaymentReceiver) and payer of its own channels to endpoints (a payment-wrapped fetch). This file
// holds what the proxy needs of the first, and reads what endpoints say they charged.
import { encodePaymentReceipt, type PaymentReceiver, paymentSseComment } from "@ocx/sdk";
import type { Address } from "viem";

/** One buyer request's checked payment: charge it once when the answer is complete, or release it. */
export interface BuyerGrant {
  /** Records `amount` (at most the checked maximum) as owed by the buyer; returns what was charged and is owed. */
  charge(amount: bigint): { charged: bigint; owed: bigint };
  /** Ends the grant without a charge (failed or aborted requests cost 0). */
  release(): void;
}

/** What the proxy needs of the buyers' side: the SDK's PaymentReceiver, seen through `receiverPayments`. */
export interface BuyerPayments {
  /** The gateway's address: the payee of buyers' vouchers. */
  payee: Address;
  /**
   * Decides, before any work, whether the X-PAYMENT header covers `maxAmount` more: the payer and its grant, or
   * the 402 answer (price, payee, channel terms, what the payer owes) to send back.
   */
  check(
    header: string | undefined,
    maxAmount: bigint,
  ): Promise<{ ok: true; payer: Address; grant: BuyerGrant } | { ok: false; body: unknown }>;
}

/**
 * The buyers' side over the SDK's PaymentReceiver (createPaymentReceiver): its grant holds `maxAmount` until the
 * proxy charges or releases it.
 * @example
 * const buyer = receiverPayments(await createPaymentReceiver({ walletClient, deployment, store: "gateway/payments.db" }));
 */
export function receiverPayments(receiver: PaymentReceiver): BuyerPayments {
  return {
    payee: receiver.payee,
    async check(header, maxAmount) {
      const result = await receiver.check(header, maxAmount);
      if (!result.ok) return { ok: false, body: result.body };
      const { grant } = result;
      return {
        ok: true,
        payer: result.payer,
        grant: {
          charge: (amount) => {
            const receipt = grant.charge(amount);
            return { charged: receipt.charged, owed: receipt.owed };
          },
          release: () => grant.release(),
        },
      };
    },
  };
}

/** What an endpoint said it charged for one request (X-PAYMENT-RESPONSE, or the stream's `ocx-payment` event). */
export interface UpstreamCharge {
  charged: bigint;
  owed?: bigint;
}

/**
 * Reads an X-PAYMENT-RESPONSE header (base64 of JSON `{ charged, owed, payee }`) or an `ocx-payment` event's data
 * (JSON `{ charged, owed }`); undefined when absent or not understood (the endpoint is then taken to charge 0, and
 * the next 402 resyncs what the gateway owes there).
 * @example
 * parseUpstreamCharge(Buffer.from('{"charged":"42","owed":"100"}').toString("base64"), "base64"); // { charged: 42n, owed: 100n }
 */
export function parseUpstreamCharge(
  text: string | null | undefined,
  encoding: "base64" | "json",
): UpstreamCharge | undefined {
  if (!text) return undefined;
  try {
    const json = JSON.parse(encoding === "base64" ? Buffer.from(text, "base64").toString("utf8") : text) as {
      charged?: unknown;
      owed?: unknown;
    };
    const charged = toUnits(json.charged);
    if (charged === undefined) return undefined;
    const owed = toUnits(json.owed);
    return owed === undefined ? { charged } : { charged, owed };
  } catch {
    return undefined;
  }
}

const toUnits = (value: unknown): bigint | undefined =>
  typeof value === "string" && /^\d+$/.test(value)
    ? BigInt(value)
    : typeof value === "number" && Number.isSafeInteger(value) && value >= 0
      ? BigInt(value)
      : undefined;

/**
 * What the gateway sends a buyer: the X-PAYMENT-RESPONSE header value, or for a stream the SSE comment
 * `: ocx-payment <same value>` before `data: [DONE]` (OpenAI clients skip comments; the SDK's fetch reads it).
 */
export function paymentResponse(
  receipt: { charged: bigint; owed: bigint; payee: Address },
  form: "header" | "sse",
): string {
  const value = encodePaymentReceipt(receipt);
  return form === "header" ? value : paymentSseComment(receipt);
}
