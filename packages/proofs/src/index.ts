// @ocx/proofs: proof of compute. A challenge derived from a later block hash, an exact int8 product
// chain mod 127, a Merkle commitment to its result, an audit drawn afterwards, and the verifier.
export * from "./bytes.js";
export * from "./chain.js";
export * from "./cheaters.js";
export * from "./field.js";
export * from "./merkle.js";
export * from "./messages.js";
export * from "./models.js";
export * from "./prg.js";
export * from "./prover.js";
export * from "./soundness.js";
export * from "./trace.js";
export * from "./verifier.js";
