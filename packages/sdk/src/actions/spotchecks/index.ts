// SpotChecks actions: open, submit, finalize and read spot checks of completed leases.
export * from "./finalizeSpotCheck.js";
export * from "./fixSpotCheckSelection.js";
export * from "./openSpotCheck.js";
export * from "./reads.js";
export * from "./submitSpotCheck.js";
