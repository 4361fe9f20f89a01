// @ocx/validator: the validator daemon (challenges, attestations, fraud proofs), as a library.
export * from "./challenges/machine.js";
export * from "./challenges/schedule.js";
export * from "./config.js";
export * from "./node.js";
export * from "./spotchecks/index.js";
export * from "./store.js";
