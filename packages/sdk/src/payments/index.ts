// Pay per request over HTTP (x402 style) with PaymentChannels vouchers: the wire format, vouchers, the payer's
// fetch and the payee's receiver. docs/payments.md describes the protocol.
export * from "./client.js";
export * from "./ledger.js";
export * from "./middleware.js";
export * from "./protocol.js";
export * from "./receiver.js";
export * from "./store.js";
export * from "./voucher.js";
