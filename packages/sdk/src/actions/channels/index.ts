// Payment channels: deposit once per payee, pay per request with cumulative vouchers (packages/sdk/src/payments),
// the payee redeems now and then; the payer leaves after an unlock delay.
export * from "./address.js";
export * from "./depositToChannel.js";
export * from "./getChannel.js";
export * from "./redeemVoucher.js";
export * from "./requestChannelUnlock.js";
export * from "./withdrawFromChannel.js";
