// The honest TypeScript prover: runs the chain, commits to the rows of Y, and answers one audit.
// For CPU providers and tests at small n; GPU hosts run python/prove.py, which computes the same bytes.
import { type Hex, toHex } from "./bytes.js";
import { rowTimesVector, runChain } from "./chain.js";
import { buildRowTree, type MerkleTree, merkleProof, merkleRoot } from "./merkle.js";
import { type Audit, type Challenge, type Commitment, challengeKeys, type Opening } from "./messages.js";

/** Where an honest proof's time went, in milliseconds. */
export type ProveTimings = {
  /** Generating A and the B_i from their keys. */
  deriveMs: number;
  /** The L matrix products (with their mod-127 reduction and transposes). */
  productMs: number;
  /** Hashing the n rows of Y into the Merkle tree. */
  commitMs: number;
};

/** A prover's state between its commitment and its opening. */
export type ProverSession = {
  challenge: Challenge;
  commitment: Commitment;
  timings: ProveTimings;
  /** Answers the audit drawn after the commitment. */
  open(audit: Audit): Opening;
};

/** Anything that answers challenges: the honest prover, or a cheater in tests. */
export type Prover = (challenge: Challenge) => ProverSession;

/**
 * Products y_t = Y·r_t mod 127 of a committed row-major n×n matrix, as hex.
 *
 * @example
 * matrixTimesVectors(y, 64, audit.vectors);
 */
export function matrixTimesVectors(matrix: Uint8Array, n: number, vectors: readonly Uint8Array[]): Hex[] {
  return vectors.map((vector) => {
    const out = new Uint8Array(n);
    for (let j = 0; j < n; j++) out[j] = rowTimesVector(matrix.subarray(j * n, (j + 1) * n), vector);
    return toHex(out);
  });
}

/**
 * Opens the audited rows of a committed matrix with their Merkle proofs.
 *
 * @example
 * openRows(y, tree, 64, audit.rows);
 */
export function openRows(matrix: Uint8Array, tree: MerkleTree, n: number, rows: readonly number[]): Opening["rows"] {
  return rows.map((index) => ({
    index,
    values: toHex(matrix.subarray(index * n, (index + 1) * n)),
    proof: merkleProof(tree, index).map(toHex),
  }));
}

/**
 * A session over an already computed (or, for cheaters, made up) result matrix: commits to its
 * rows and opens them honestly.
 *
 * @example
 * const session = commitResult(challenge, runChain(challengeKeys(challenge), challenge.n).result);
 */
export function commitResult(
  challenge: Challenge,
  result: Uint8Array,
  timings: Omit<ProveTimings, "commitMs"> = { deriveMs: 0, productMs: 0 },
): ProverSession {
  const n = challenge.n;
  const started = performance.now();
  const tree = buildRowTree(result, n, n);
  const commitMs = performance.now() - started;
  const commitment: Commitment = { challengeId: challenge.id, root: toHex(merkleRoot(tree)) };
  return {
    challenge,
    commitment,
    timings: { ...timings, commitMs },
    open(audit) {
      return {
        challengeId: challenge.id,
        auditId: audit.id,
        products: matrixTimesVectors(result, n, audit.vectors),
        rows: openRows(result, tree, n, audit.rows),
      };
    },
  };
}

/**
 * The honest prover: computes Y = X_L, commits to its rows, and opens them on demand.
 *
 * @example
 * const session = proveChallenge(challenge);
 * post(session.commitment);
 * const opening = session.open(deriveAudit({ challenge, commitment: session.commitment, checkSeed }));
 */
export const proveChallenge: Prover = (challenge) => {
  const { result, timings } = runChain(challengeKeys(challenge), challenge.n);
  return commitResult(challenge, result, timings);
};
