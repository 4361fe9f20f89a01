// Governance beyond the contract calls: its deployment step and proposals over parameters in words.
export * from "./deployGovernance.js";
export * from "./parameters.js";
