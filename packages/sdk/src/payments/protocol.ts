// The x402-style wire format of OCX payments ("ocx-channel" scheme): the 402 body, the X-PAYMENT header and the
// X-PAYMENT-RESPONSE header, and the price arithmetic both sides share. docs/payments.md describes the protocol.
import { type Address, type Hex, isAddress, isHex } from "viem";
import { OcxError } from "../errors.js";
import type { SignedVoucher } from "./voucher.js";

/** The x402 version these messages follow. */
export const X402_VERSION = 1;
/** The payment scheme: cumulative vouchers on an OCX PaymentChannels contract. */
export const OCX_CHANNEL_SCHEME = "ocx-channel";
/** The request header that carries the payment. */
export const PAYMENT_HEADER = "X-PAYMENT";
/** The response header that says what was charged. */
export const PAYMENT_RESPONSE_HEADER = "X-PAYMENT-RESPONSE";
/** The name of the SSE comment (`: ocx-payment <base64 receipt>`) a streamed response ends with (see paymentSseComment). */
export const PAYMENT_SSE_EVENT = "ocx-payment";

/**
 * Price terms, in the payment token's smallest units. A request costs
 * `perRequest + ⌈inputTokens · per1kInputTokens / 1000⌉ + ⌈outputTokens · per1kOutputTokens / 1000⌉`.
 */
export interface PaymentPrice {
  perRequest: bigint;
  per1kInputTokens: bigint;
  per1kOutputTokens: bigint;
}

/** What a served request used, for metered prices. */
export interface PaymentUsage {
  inputTokens?: number | bigint;
  outputTokens?: number | bigint;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * The cost of a request under `price`: each part rounded UP (against the payer, the usual metering convention).
 * @example
 * chargeFor({ perRequest: 100n, per1kInputTokens: 2_000n, per1kOutputTokens: 3_000n }, { inputTokens: 7, outputTokens: 1 });
 * // 100n + 14n + 3n = 117n
 */
export function chargeFor(price: PaymentPrice, usage: PaymentUsage = {}): bigint {
  const input = BigInt(usage.inputTokens ?? 0);
  const output = BigInt(usage.outputTokens ?? 0);
  if (input < 0n || output < 0n) throw new RangeError(`token counts must be ≥ 0, got ${input} and ${output}`);
  return (
    price.perRequest + ceilDiv(input * price.per1kInputTokens, 1000n) + ceilDiv(output * price.per1kOutputTokens, 1000n)
  );
}

/** Why a paid endpoint refused a payment; the 402 body's `reason`. */
export type PaymentRefusal =
  | "payment_required" // no X-PAYMENT header
  | "invalid_payment" // the header is not base64 JSON of the expected shape
  | "unsupported_scheme" // not x402Version 1 / scheme "ocx-channel"
  | "wrong_network" // another chain
  | "wrong_channels" // another PaymentChannels contract
  | "wrong_payee" // the voucher pays someone else
  | "invalid_signature" // not signed by the voucher's payer
  | "voucher_too_low" // cumulativeAmount < owed + maxAmountRequired
  | "insufficient_channel_balance" // redeemed + balance on-chain < cumulativeAmount
  | "channel_unlocking"; // the payer asked to withdraw: cancel the unlock (or deposit) to pay through it again

/** One way to pay, as the 402 body lists it. Amounts are decimal strings in the token's smallest units. */
export interface PaymentRequirements {
  scheme: typeof OCX_CHANNEL_SCHEME;
  /** `eip155:<chainId>`. */
  network: `eip155:${number}`;
  /** The PaymentChannels contract. */
  channels: Address;
  /** The token the channels hold. */
  asset: Address;
  /** The payee: vouchers must name it. */
  payTo: Address;
  /** The most this request can cost. */
  maxAmountRequired: string;
  /** What this payer already owes this payee, cumulative (including requests in flight); "0" for an unknown payer. */
  owed: string;
  /** The price terms, each a decimal string. */
  price: { perRequest: string; per1kInputTokens: string; per1kOutputTokens: string };
  /** The least deposit the payee asks for when opening a channel. */
  minDeposit: string;
  unlockDelaySeconds: number;
}

/** The JSON body of a `402 Payment Required` answer. */
export interface PaymentRequiredBody {
  x402Version: typeof X402_VERSION;
  /** Why, for a person. */
  error: string;
  /** Why, for a program. */
  reason: PaymentRefusal;
  accepts: PaymentRequirements[];
}

/** The decoded X-PAYMENT header. */
export interface PaymentPayload {
  x402Version: typeof X402_VERSION;
  scheme: typeof OCX_CHANNEL_SCHEME;
  network: `eip155:${number}`;
  payload: SignedVoucher;
}

/** The decoded X-PAYMENT-RESPONSE header (and the `ocx-payment` SSE event's data). */
export interface PaymentReceipt {
  /** What this request cost. */
  charged: bigint;
  /** What the payer owes the payee now, cumulative. */
  owed: bigint;
  payee: Address;
}

/** A payment message could not be read; `reason` says which check failed. */
export class OcxPaymentError extends OcxError {
  override name = "OcxPaymentError";
  readonly reason: PaymentRefusal | "cap_exceeded" | "refused";
  constructor(
    message: string,
    reason: PaymentRefusal | "cap_exceeded" | "refused",
    options: ConstructorParameters<typeof OcxError>[1] = {},
  ) {
    super(message, options);
    this.reason = reason;
  }
}

const toBase64 = (value: unknown) =>
  Buffer.from(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v))).toString("base64");

/**
 * The X-PAYMENT header value for a signed voucher.
 * @example
 * headers.set(PAYMENT_HEADER, encodePaymentHeader({ chainId: 31337, payment: { voucher, signature } }));
 */
export function encodePaymentHeader(parameters: { chainId: number; payment: SignedVoucher }): string {
  return toBase64({
    x402Version: X402_VERSION,
    scheme: OCX_CHANNEL_SCHEME,
    network: `eip155:${parameters.chainId}`,
    payload: parameters.payment,
  });
}

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

/**
 * Reads an X-PAYMENT header value; throws `OcxPaymentError` (`invalid_payment` or `unsupported_scheme`) naming
 * what is wrong.
 * @example
 * const { payload } = decodePaymentHeader(request.headers.get(PAYMENT_HEADER) ?? "");
 */
export function decodePaymentHeader(value: string): PaymentPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, "base64").toString("utf8"));
  } catch {
    throw new OcxPaymentError(`${PAYMENT_HEADER} is not base64-encoded JSON`, "invalid_payment");
  }
  const p = parsed as Partial<{ x402Version: unknown; scheme: unknown; network: unknown; payload: unknown }>;
  if (p?.x402Version !== X402_VERSION || p.scheme !== OCX_CHANNEL_SCHEME) {
    throw new OcxPaymentError(
      `${PAYMENT_HEADER} must be x402Version ${X402_VERSION}, scheme "${OCX_CHANNEL_SCHEME}"; got ${JSON.stringify(p?.x402Version)}, ${JSON.stringify(p?.scheme)}`,
      "unsupported_scheme",
    );
  }
  if (typeof p.network !== "string" || !/^eip155:[0-9]+$/.test(p.network)) {
    throw new OcxPaymentError(
      `${PAYMENT_HEADER}: network must be "eip155:<chainId>", got ${JSON.stringify(p.network)}`,
      "invalid_payment",
    );
  }
  const payload = p.payload as { voucher?: Record<string, unknown>; signature?: unknown } | undefined;
  const v = payload?.voucher;
  if (
    !v ||
    typeof v.payer !== "string" ||
    !isAddress(v.payer) ||
    typeof v.payee !== "string" ||
    !isAddress(v.payee) ||
    typeof v.cumulativeAmount !== "string" ||
    !DECIMAL.test(v.cumulativeAmount) ||
    typeof payload?.signature !== "string" ||
    !isHex(payload.signature)
  ) {
    throw new OcxPaymentError(
      `${PAYMENT_HEADER}: payload must be { voucher: { payer, payee, cumulativeAmount (decimal string) }, signature (hex) }`,
      "invalid_payment",
    );
  }
  return {
    x402Version: X402_VERSION,
    scheme: OCX_CHANNEL_SCHEME,
    network: p.network as `eip155:${number}`,
    payload: {
      voucher: { payer: v.payer, payee: v.payee, cumulativeAmount: BigInt(v.cumulativeAmount) },
      signature: payload.signature as Hex,
    },
  };
}

/**
 * The X-PAYMENT-RESPONSE header value (also the `ocx-payment` SSE event's data, as plain JSON).
 * @example
 * response.headers.set(PAYMENT_RESPONSE_HEADER, encodePaymentReceipt({ charged: 117n, owed: 351n, payee }));
 */
export function encodePaymentReceipt(receipt: PaymentReceipt): string {
  return toBase64(receipt);
}

/**
 * Reads an X-PAYMENT-RESPONSE header value or an `ocx-payment` event's JSON data; undefined when unreadable.
 * @example
 * const receipt = decodePaymentReceipt(response.headers.get(PAYMENT_RESPONSE_HEADER));
 */
export function decodePaymentReceipt(value: string | null | undefined): PaymentReceipt | undefined {
  if (!value) return undefined;
  try {
    const text = value.trimStart().startsWith("{") ? value : Buffer.from(value, "base64").toString("utf8");
    const r = JSON.parse(text) as Record<string, unknown>;
    if (typeof r.charged !== "string" || typeof r.owed !== "string" || typeof r.payee !== "string") return undefined;
    if (!DECIMAL.test(r.charged) || !DECIMAL.test(r.owed) || !isAddress(r.payee)) return undefined;
    return { charged: BigInt(r.charged), owed: BigInt(r.owed), payee: r.payee };
  } catch {
    return undefined;
  }
}

/**
 * The SSE line a streamed paid response sends before `data: [DONE]`: a comment,
 * `: ocx-payment <X-PAYMENT-RESPONSE value>`, which SSE clients (the openai client among them) skip, so the stream
 * stays a plain OpenAI stream. Readers also accept the event form `event: ocx-payment` + `data: <JSON>`.
 * @example
 * controller.enqueue(encoder.encode(paymentSseComment(grant.charge(cost))));
 */
export function paymentSseComment(receipt: PaymentReceipt): string {
  return `: ${PAYMENT_SSE_EVENT} ${encodePaymentReceipt(receipt)}\n\n`;
}

/**
 * Finds the charge in a stream's text: the last `: ocx-payment <base64>` comment or `event: ocx-payment` event.
 * @example
 * const receipt = findPaymentInSse(await response.text());
 */
export function findPaymentInSse(text: string): PaymentReceipt | undefined {
  let found: PaymentReceipt | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith(`: ${PAYMENT_SSE_EVENT} `)) {
      found = decodePaymentReceipt(line.slice(PAYMENT_SSE_EVENT.length + 3).trim()) ?? found;
    } else if (/^event: ?ocx-payment$/.test(line)) {
      const data = lines[i + 1]?.replace(/^data: ?/, "");
      if (data) found = decodePaymentReceipt(data) ?? found;
    }
  }
  return found;
}

/**
 * Reads a 402 body; undefined when it is not an x402 body with an "ocx-channel" entry.
 * @example
 * const required = parsePaymentRequired(await response.json());
 */
export function parsePaymentRequired(
  body: unknown,
): { body: PaymentRequiredBody; requirements: PaymentRequirements } | undefined {
  const b = body as Partial<PaymentRequiredBody> | undefined;
  if (!b || b.x402Version !== X402_VERSION || !Array.isArray(b.accepts)) return undefined;
  const requirements = b.accepts.find((a) => a?.scheme === OCX_CHANNEL_SCHEME);
  if (!requirements) return undefined;
  for (const key of ["maxAmountRequired", "owed", "minDeposit"] as const) {
    if (typeof requirements[key] !== "string" || !DECIMAL.test(requirements[key])) return undefined;
  }
  for (const key of ["channels", "asset", "payTo"] as const) {
    if (typeof requirements[key] !== "string" || !isAddress(requirements[key])) return undefined;
  }
  return { body: b as PaymentRequiredBody, requirements };
}
