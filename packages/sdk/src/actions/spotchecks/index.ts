// SpotChecks actions: open, submit, finalize and read spot checks of completed leases.
export * from "./finalizeSpotCheck.js";
export * from "./fixSpotCheckSelection.js";
export * from "./getSpotCheck.js";
export * from "./getSpotCheckOfLease.js";
export * from "./getSpotCheckParameters.js";
export * from "./getSpotCheckRate.js";
export * from "./getSpotCheckRecord.js";
export * from "./getSpotCheckVote.js";
export * from "./isSpotCheckSelected.js";
export * from "./openSpotCheck.js";
export * from "./submitSpotCheck.js";
