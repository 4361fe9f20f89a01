// Service leases: deploy a service manifest, read its services' states and public URLs, close it.
export * from "./types.js";
