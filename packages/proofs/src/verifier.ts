// The verifier: re-derives the audit, computes Y·r through the chain in O(L·n²) from the keys
// alone (Freivalds), and checks each opened row against the commitment and against Y·r in O(n).
import { bytesEqual, fromHex, type Hex } from "./bytes.js";
import { chainTimesVectors, rowTimesVector } from "./chain.js";
import { MODULUS } from "./field.js";
import { merkleDepth, rootFromProof, rowLeaf } from "./merkle.js";
import {
  assertChallengeId,
  type Challenge,
  type Commitment,
  challengeKeys,
  deriveAudit,
  type Opening,
  sameHex,
} from "./messages.js";

/** Why a proof was refused; each is a fault a later on-chain fraud proof can show (docs/proofs.md). */
export type ProofFault =
  /** The commitment or challenge does not belong to the challenge being checked. */
  | "challenge-mismatch"
  /** The opening answers another challenge or another audit (a replay). */
  | "replayed-opening"
  /** Wrong number of products or rows, wrong lengths, values ≥ p, wrong row indices. */
  | "malformed"
  /** A claimed product y_t differs from Y·r_t computed through the chain. */
  | "wrong-product"
  /** An opened row does not hash up to the committed root. */
  | "bad-merkle-proof"
  /** An opened row's dot product with r_t differs from the claimed y_t at that row. */
  | "row-inconsistent"
  /** The commitment came after the deadline. */
  | "late";

/** The outcome of a check. */
export type Verdict =
  | { ok: true; verifyMs: number }
  | { ok: false; fault: ProofFault; message: string; row?: number; verifyMs: number };

/**
 * Error thrown by {@link assertValidOpening}: carries the fault and the offending row.
 *
 * @example
 * try { assertValidOpening(parameters); } catch (e) { if (e instanceof ProofRejectedError) console.log(e.fault, e.row); }
 */
export class ProofRejectedError extends Error {
  override name = "ProofRejectedError";
  readonly fault: ProofFault;
  readonly row: number | undefined;
  constructor(fault: ProofFault, message: string, row?: number) {
    super(message);
    this.fault = fault;
    this.row = row;
  }
}

/** Parameters of {@link verifyOpening}. */
export type VerifyOpeningParameters = {
  challenge: Challenge;
  commitment: Commitment;
  /** bytes32 hash of the block after the commitment that fixes the audit. */
  checkSeed: Hex;
  opening: Opening;
  /** Rows opened (default 64). */
  k?: number;
  /** Freivalds vectors (default 2). */
  t?: number;
};

/**
 * Checks an opening against its challenge and commitment. Never throws for a bad proof: a refused
 * proof is an answer, with the fault and a message that names the value that was wrong.
 *
 * @example
 * const verdict = verifyOpening({ challenge, commitment, checkSeed, opening, k: 8, t: 2 });
 * if (!verdict.ok) console.log(verdict.fault, verdict.message);
 */
export function verifyOpening(parameters: VerifyOpeningParameters): Verdict {
  const started = performance.now();
  const refuse = (fault: ProofFault, message: string, row?: number): Verdict => ({
    ok: false,
    fault,
    message,
    ...(row === undefined ? {} : { row }),
    verifyMs: performance.now() - started,
  });
  const { challenge, commitment, opening } = parameters;
  try {
    assertChallengeId(challenge);
  } catch (error) {
    return refuse("challenge-mismatch", (error as Error).message);
  }
  if (!sameHex(commitment.challengeId, challenge.id)) {
    return refuse(
      "challenge-mismatch",
      `commitment is for challenge ${commitment.challengeId}, not ${challenge.id}; check it against its own challenge`,
    );
  }
  const n = challenge.n;
  let rootBytes: Uint8Array;
  try {
    rootBytes = fromHex(commitment.root, 32, "commitment root");
  } catch (error) {
    return refuse("malformed", (error as Error).message);
  }
  const audit = deriveAudit({
    challenge,
    commitment,
    checkSeed: parameters.checkSeed,
    k: parameters.k,
    t: parameters.t,
  });
  if (!sameHex(opening.challengeId, challenge.id)) {
    return refuse("replayed-opening", `opening answers challenge ${opening.challengeId}, not ${challenge.id}`);
  }
  if (!sameHex(opening.auditId, audit.id)) {
    return refuse(
      "replayed-opening",
      `opening answers audit ${opening.auditId}, but the audit of this commitment and check seed is ${audit.id}`,
    );
  }
  if (opening.products.length !== audit.t) {
    return refuse("malformed", `opening has ${opening.products.length} products, the audit asks for t=${audit.t}`);
  }
  if (opening.rows.length !== audit.k) {
    return refuse("malformed", `opening has ${opening.rows.length} rows, the audit asks for k=${audit.k}`);
  }
  let products: Uint8Array[];
  const rows: Uint8Array[] = [];
  const proofs: Uint8Array[][] = [];
  const depth = merkleDepth(n);
  try {
    products = opening.products.map((p, i) => residues(fromHex(p, n, `product ${i}`), `product ${i}`));
    for (let i = 0; i < audit.k; i++) {
      const row = opening.rows[i] as Opening["rows"][number];
      if (row.index !== audit.rows[i]) {
        throw new RangeError(`opened row #${i} is row ${row.index}, the audit asks for row ${audit.rows[i]}`);
      }
      rows.push(residues(fromHex(row.values, n, `row ${row.index}`), `row ${row.index}`));
      if (row.proof.length !== depth) {
        throw new RangeError(`proof of row ${row.index} has ${row.proof.length} hashes, expected ${depth}`);
      }
      proofs.push(row.proof.map((h, d) => fromHex(h, 32, `proof of row ${row.index} at depth ${d}`)));
    }
  } catch (error) {
    return refuse("malformed", (error as Error).message);
  }
  const expected = chainTimesVectors(challengeKeys(challenge), n, audit.vectors);
  for (let v = 0; v < audit.t; v++) {
    const claimed = products[v] as Uint8Array;
    const truth = expected[v] as Uint8Array;
    for (let j = 0; j < n; j++) {
      if (claimed[j] !== truth[j]) {
        return refuse(
          "wrong-product",
          `product ${v} (Y·r mod ${MODULUS}) is ${claimed[j]} at row ${j}, the chain gives ${truth[j]}`,
          j,
        );
      }
    }
  }
  for (let i = 0; i < audit.k; i++) {
    const index = audit.rows[i] as number;
    const row = rows[i] as Uint8Array;
    if (!bytesEqual(rootFromProof(rowLeaf(row), index, proofs[i] as Uint8Array[]), rootBytes)) {
      return refuse(
        "bad-merkle-proof",
        `row ${index} does not hash up to the committed root ${commitment.root}`,
        index,
      );
    }
    for (let v = 0; v < audit.t; v++) {
      const got = rowTimesVector(row, audit.vectors[v] as Uint8Array);
      const want = (products[v] as Uint8Array)[index];
      if (got !== want) {
        return refuse(
          "row-inconsistent",
          `row ${index} · r_${v} mod ${MODULUS} is ${got}, but the product claims ${want}: the committed row is wrong`,
          index,
        );
      }
    }
  }
  return { ok: true, verifyMs: performance.now() - started };
}

/**
 * Like {@link verifyOpening}, but throws a {@link ProofRejectedError} for a refused proof.
 *
 * @example
 * assertValidOpening({ challenge, commitment, checkSeed, opening });
 */
export function assertValidOpening(parameters: VerifyOpeningParameters): void {
  const verdict = verifyOpening(parameters);
  if (!verdict.ok) throw new ProofRejectedError(verdict.fault, verdict.message, verdict.row);
}

/**
 * A missed deadline is a fault timestamps alone prove: the commitment's time minus the seed
 * block's time must not exceed the challenge's deadline.
 *
 * @example
 * checkDeadline(challenge, seedBlockTimestamp, commitmentBlockTimestamp); // { ok: true, … } or fault "late"
 */
export function checkDeadline(challenge: Challenge, seedTimestamp: bigint, committedAt: bigint): Verdict {
  const elapsed = committedAt - seedTimestamp;
  if (elapsed > BigInt(challenge.deadlineSeconds)) {
    return {
      ok: false,
      fault: "late",
      message: `commitment came ${elapsed} s after the seed block, the deadline for ${challenge.model} is ${challenge.deadlineSeconds} s`,
      verifyMs: 0,
    };
  }
  return { ok: true, verifyMs: 0 };
}

function residues(bytes: Uint8Array, what: string): Uint8Array {
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) >= MODULUS) {
      throw new RangeError(`${what} holds ${bytes[i]} at position ${i}, not a residue mod ${MODULUS}`);
    }
  }
  return bytes;
}
