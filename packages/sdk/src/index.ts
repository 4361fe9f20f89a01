// @ocx/sdk: typed access to the OCX contracts.
export * from "./deploy.js";
export * from "./deployment.js";
export * from "./errors.js";
export * from "./generated/abis.js";
export * from "./units.js";
