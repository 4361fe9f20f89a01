// The provider's service runtime: private networks, port bridges, volumes and supervision of the
// services of service leases. See docs/services.md.
export * from "./bridge.js";
export * from "./exec.js";
export * from "./network.js";
export * from "./reap.js";
export * from "./retain.js";
export * from "./runtime.js";
export * from "./sandbox.js";
export * from "./supervisor.js";
export * from "./types.js";
export * from "./volumes.js";
