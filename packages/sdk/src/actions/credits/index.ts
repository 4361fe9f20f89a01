// Compute credits ($1 each) and the OCX/USD oracle: mint, redeem, balances, quotes, parameters, the feed's price.
export * from "./address.js";
export * from "./getCreditBalance.js";
export * from "./getCreditsParameters.js";
export * from "./getOcxPrice.js";
export * from "./mintCredits.js";
export * from "./quoteMintCredits.js";
export * from "./quoteRedeemCredits.js";
export * from "./redeemCredits.js";
export * from "./setOcxPrice.js";
