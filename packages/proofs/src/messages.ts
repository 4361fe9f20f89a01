// The messages of one proof of compute, as plain JSON-friendly types, with canonical byte encodings
// (fixed-width, big-endian, Solidity-encodePacked compatible) and their SHA-256 hashes:
//   challenge  (validator, on-chain) → commitment (prover: Merkle root of Y's rows)
//   → audit (derived from a block hash after the commitment) → opening (prover: Y·r and k rows).
import { bytesEqual, concatBytes, fromHex, type Hex, sha256, toHex, uint32be } from "./bytes.js";
import { MODULUS } from "./field.js";
import { challengeSize } from "./models.js";
import { auditRows, auditVector, type MatrixKey, matrixKey } from "./prg.js";

/** Version byte of the challenge encoding. */
export const PROOF_VERSION = 1;

/** What a validator asks one GPU of one provider to compute. Every field is bound by `id`. */
export type Challenge = {
  version: typeof PROOF_VERSION;
  /** bytes32 block hash of a block after the challenge was posted: nothing can be precomputed. */
  seed: Hex;
  /** The provider's address, lower-case. */
  provider: Hex;
  /** Which of the provider's GPUs (its nvidia-smi index). */
  gpuIndex: number;
  /** Claimed model id, a key of GPU_MODELS. */
  model: string;
  /** Matrix side. */
  n: number;
  /** Number of products L. */
  steps: number;
  /** The prime p (127). */
  modulus: typeof MODULUS;
  /** Seconds from the seed's block to the commitment. */
  deadlineSeconds: number;
  /** SHA-256 of {@link encodeChallenge}. */
  id: Hex;
};

/** The prover's answer before the audit is drawn: the Merkle root over the rows of Y = X_L. */
export type Commitment = { challengeId: Hex; root: Hex };

/** What is opened, drawn after the commitment from a later block hash (`checkSeed`). */
export type Audit = {
  challengeId: Hex;
  root: Hex;
  checkSeed: Hex;
  /** Number of rows opened. */
  k: number;
  /** Number of Freivalds vectors. */
  t: number;
  /** SHA-256(checkSeed ‖ challengeId ‖ root ‖ uint32 k ‖ uint32 t). */
  id: Hex;
  /** The k distinct row indices to open, in drawing order. */
  rows: number[];
  /** The t vectors r, each n residues. */
  vectors: Uint8Array[];
};

/** One opened row of Y with its Merkle proof (siblings from the leaf up). */
export type OpenedRow = { index: number; values: Hex; proof: Hex[] };

/** The prover's answer to an audit: y_t = Y·r_t mod p for each vector, and the k rows asked for. */
export type Opening = { challengeId: Hex; auditId: Hex; products: Hex[]; rows: OpenedRow[] };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * Canonical encoding of a challenge (105 bytes): uint8 version ‖ bytes32 seed ‖ address provider ‖
 * uint32 gpuIndex ‖ bytes32 sha256(model) ‖ uint32 n ‖ uint32 steps ‖ uint32 modulus ‖ uint32 deadlineSeconds.
 *
 * @example
 * sha256(encodeChallenge(challenge)); // the challenge id
 */
export function encodeChallenge(challenge: Omit<Challenge, "id">): Uint8Array {
  return concatBytes(
    Uint8Array.of(challenge.version),
    fromHex(challenge.seed, 32, "challenge seed"),
    fromHex(challenge.provider, 20, "challenge provider"),
    uint32be(challenge.gpuIndex),
    sha256(new TextEncoder().encode(challenge.model)),
    uint32be(challenge.n),
    uint32be(challenge.steps),
    uint32be(challenge.modulus),
    uint32be(challenge.deadlineSeconds),
  );
}

/** Parameters of {@link deriveChallenge}. */
export type DeriveChallengeParameters = {
  /** bytes32 block hash fixed after the challenge was posted. */
  seed: Hex;
  provider: Hex;
  gpuIndex: number;
  model: string;
  /** Override the table's size (tests, CPU providers). */
  n?: number;
  steps?: number;
};

/**
 * Derives the challenge for (seed, provider, GPU, claimed model): size and deadline come from the
 * model table; the id binds everything.
 *
 * @example
 * const challenge = deriveChallenge({
 *   seed: "0x" + "11".repeat(32),
 *   provider: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
 *   gpuIndex: 0,
 *   model: "cpu",
 *   n: 64,
 *   steps: 2,
 * });
 */
export function deriveChallenge(parameters: DeriveChallengeParameters): Challenge {
  if (!ADDRESS.test(parameters.provider)) {
    throw new RangeError(`provider must be a 20-byte 0x address, got "${parameters.provider}"`);
  }
  const size = challengeSize(parameters.model, { n: parameters.n, steps: parameters.steps });
  if (!Number.isInteger(size.n) || size.n < 4 || size.n % 4 !== 0 || !Number.isInteger(size.steps) || size.steps < 1) {
    throw new RangeError(
      `challenge size n=${size.n}, steps=${size.steps} is invalid: need n a multiple of 4 (≥ 4) and steps ≥ 1`,
    );
  }
  const body = {
    version: PROOF_VERSION,
    seed: toHex(fromHex(parameters.seed, 32, "seed")),
    provider: parameters.provider.toLowerCase() as Hex,
    gpuIndex: parameters.gpuIndex,
    model: parameters.model,
    n: size.n,
    steps: size.steps,
    modulus: MODULUS,
    deadlineSeconds: size.deadlineSeconds,
  } as const;
  return { ...body, id: toHex(sha256(encodeChallenge(body))) };
}

/**
 * Checks that a challenge's id matches its fields; throws naming both ids when it does not.
 *
 * @example
 * assertChallengeId(challenge);
 */
export function assertChallengeId(challenge: Challenge): void {
  const { id, ...body } = challenge;
  const expected = toHex(sha256(encodeChallenge(body)));
  if (expected !== id.toLowerCase()) {
    throw new RangeError(`challenge id ${id} does not match its fields (they hash to ${expected}); re-derive it`);
  }
}

/**
 * The keys of the chain's matrices: index 0 is A, 1..L are B_1..B_L.
 *
 * @example
 * challengeKeys(challenge).length; // challenge.steps + 1
 */
export function challengeKeys(challenge: Challenge): MatrixKey[] {
  const id = fromHex(challenge.id, 32, "challenge id");
  const keys: MatrixKey[] = [];
  for (let i = 0; i <= challenge.steps; i++) keys.push(matrixKey(id, i));
  return keys;
}

/**
 * Canonical encoding of a commitment: bytes32 challengeId ‖ bytes32 root (what the provider signs and posts).
 *
 * @example
 * commitmentHash(commitment); // SHA-256 of encodeCommitment
 */
export function encodeCommitment(commitment: Commitment): Uint8Array {
  return concatBytes(
    fromHex(commitment.challengeId, 32, "commitment challengeId"),
    fromHex(commitment.root, 32, "commitment root"),
  );
}

/**
 * SHA-256 of {@link encodeCommitment}: what the provider signs and a contract records.
 *
 * @example
 * commitmentHash({ challengeId: challenge.id, root }); // "0x…"
 */
export function commitmentHash(commitment: Commitment): Hex {
  return toHex(sha256(encodeCommitment(commitment)));
}

/** Default number of rows opened per audit (see docs/proofs.md for the soundness it buys). */
export const DEFAULT_OPENED_ROWS = 64;
/** Default number of Freivalds vectors per audit. */
export const DEFAULT_REPETITIONS = 2;

/** Parameters of {@link deriveAudit}. */
export type DeriveAuditParameters = {
  challenge: Challenge;
  commitment: Commitment;
  /** bytes32 hash of a block after the commitment was posted. */
  checkSeed: Hex;
  /** Rows to open (default 64, at most n). */
  k?: number;
  /** Freivalds vectors (default 2). */
  t?: number;
};

/**
 * Derives the audit of a commitment: k rows and t vectors r, exactly uniform, from a seed fixed after it.
 *
 * @example
 * const audit = deriveAudit({ challenge, commitment, checkSeed: "0x" + "22".repeat(32), k: 8, t: 2 });
 */
export function deriveAudit(parameters: DeriveAuditParameters): Audit {
  const { challenge, commitment } = parameters;
  const k = Math.min(parameters.k ?? DEFAULT_OPENED_ROWS, challenge.n);
  const t = parameters.t ?? DEFAULT_REPETITIONS;
  if (!Number.isInteger(t) || t < 1 || t > 16) throw new RangeError(`audit repetitions t=${t}: use an integer 1..16`);
  const checkSeed = fromHex(parameters.checkSeed, 32, "audit checkSeed");
  const idBytes = sha256(
    checkSeed,
    fromHex(challenge.id, 32, "challenge id"),
    fromHex(commitment.root, 32, "commitment root"),
    uint32be(k),
    uint32be(t),
  );
  const vectors: Uint8Array[] = [];
  for (let i = 0; i < t; i++) vectors.push(auditVector(idBytes, i, challenge.n));
  return {
    challengeId: challenge.id,
    root: commitment.root,
    checkSeed: toHex(checkSeed),
    k,
    t,
    id: toHex(idBytes),
    rows: auditRows(idBytes, k, challenge.n),
    vectors,
  };
}

/**
 * Canonical encoding of an opening: bytes32 auditId ‖ bytes32 challengeId ‖ uint32 t ‖ uint32 n ‖
 * the t products (n bytes each) ‖ uint32 k ‖ per row: uint32 index ‖ n bytes ‖ uint32 depth ‖ depth×bytes32.
 *
 * @example
 * openingHash(opening); // what the provider signs
 */
export function encodeOpening(opening: Opening): Uint8Array {
  const parts: Uint8Array[] = [
    fromHex(opening.auditId, 32, "opening auditId"),
    fromHex(opening.challengeId, 32, "opening challengeId"),
    uint32be(opening.products.length),
  ];
  const products = opening.products.map((p, i) => fromHex(p, undefined, `opening product ${i}`));
  parts.push(uint32be(products[0]?.length ?? 0), ...products, uint32be(opening.rows.length));
  for (const row of opening.rows) {
    parts.push(uint32be(row.index), fromHex(row.values, undefined, `opened row ${row.index}`));
    parts.push(uint32be(row.proof.length), ...row.proof.map((h) => fromHex(h, 32, `proof of row ${row.index}`)));
  }
  return concatBytes(...parts);
}

/**
 * SHA-256 of {@link encodeOpening}: what the provider signs.
 *
 * @example
 * openingHash(session.open(audit)); // "0x…"
 */
export function openingHash(opening: Opening): Hex {
  return toHex(sha256(encodeOpening(opening)));
}

/**
 * True when two hex strings encode the same bytes (case-insensitive).
 *
 * @example
 * sameHex("0xAB", "0xab"); // true
 */
export function sameHex(a: Hex, b: Hex): boolean {
  return bytesEqual(fromHex(a, undefined, "hex"), fromHex(b, undefined, "hex"));
}
