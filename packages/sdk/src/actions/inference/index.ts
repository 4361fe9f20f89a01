// InferenceRegistry: inference endpoints (model, URL, prices, capacity, region), each changed only by its registrant.
export * from "./address.js";
export * from "./deregisterInferenceEndpoint.js";
export * from "./getInferenceEndpoint.js";
export * from "./listInferenceEndpoints.js";
export * from "./registerInferenceEndpoint.js";
export * from "./updateInferenceEndpoint.js";
