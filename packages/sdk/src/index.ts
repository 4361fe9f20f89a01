// @ocx/sdk: typed access to the OCX contracts.
export * from "./actions/index.js";
export * from "./chains.js";
export * from "./deploy.js";
export * from "./deployment.js";
export * from "./errors.js";
export * from "./generated/abis.js";
export * from "./generated/enums.js";
export * from "./manifest/index.js";
export * from "./provider/client.js";
export * from "./reputation/index.js";
export * from "./results/extract.js";
export * from "./results/tar.js";
export * from "./run/index.js";
export * from "./services/index.js";
export * from "./signing/index.js";
export * from "./units.js";
export * from "./wallet/index.js";
