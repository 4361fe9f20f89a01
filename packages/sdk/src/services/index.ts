// Service leases: deploy a service manifest, read its services' states and public URLs, close it.
export * from "./closeService.js";
export * from "./deployService.js";
export * from "./getServiceStatus.js";
export * from "./types.js";
export * from "./waitForServices.js";
