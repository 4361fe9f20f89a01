// @ocx/gateway: the OCX inference gateway (OpenAI API, routing, failover, payments), as a library.
export * from "./api.js";
export * from "./chain.js";
export * from "./config.js";
export * from "./endpoints.js";
export * from "./metrics.js";
export * from "./node.js";
export * from "./payments.js";
export * from "./proxy.js";
export * from "./registry.js";
export * from "./routing.js";
