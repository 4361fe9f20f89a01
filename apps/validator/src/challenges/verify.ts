// The validator's check of one response: rebuild the challenge and the audit from the chain's fields
// alone, check the on-chain products through the chain (Freivalds) and the provider's opened rows
// against its root and those products, and say what to do: attest with a score, or which fraud proof
// to start. Large challenges are checked by python prove.py --verify (numpy/torch).
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Audit,
  type Challenge,
  chainTimesVectors,
  challengeKeys,
  challengeSize,
  deriveAudit,
  encodeChallenge,
  type Hex,
  MODULUS,
  type Opening,
  PROOF_VERSION,
  type ProofFault,
  sha256,
  toHex,
  verifyOpening,
} from "@ocx/proofs";
import type { ChainChallenge, OpeningAnswer } from "./port.js";

/** The challenge the contract's fields define; throws when its id is not the contract's workId. */
export function challengeOf(c: ChainChallenge): Challenge {
  const body = {
    version: PROOF_VERSION,
    seed: c.seed,
    provider: c.provider.toLowerCase() as Hex,
    gpuIndex: c.gpuIndex,
    model: c.model,
    n: c.n,
    steps: c.steps,
    modulus: MODULUS,
    deadlineSeconds: c.deadlineAt - c.challengedAt,
  } as const;
  const id = toHex(sha256(encodeChallenge(body)));
  if (id !== c.workId.toLowerCase()) {
    throw new Error(
      `challenge ${c.id}: the contract's workId ${c.workId} is not the id of its fields (${id}); the contract and @ocx/proofs disagree on the encoding`,
    );
  }
  return { ...body, id };
}

/** The audit the contract drew (from the commit block's hash); throws when its id is not the contract's auditId. */
export function auditOf(c: ChainChallenge, challenge: Challenge, checkSeed: Hex): Audit {
  const audit = deriveAudit({
    challenge,
    commitment: { challengeId: challenge.id, root: c.root },
    checkSeed,
    k: c.k,
    t: c.t,
  });
  if (audit.id !== c.auditId.toLowerCase()) {
    throw new Error(
      `challenge ${c.id}: the contract's auditId ${c.auditId} is not the audit of its commit block (${audit.id}); check k=${c.k}, t=${c.t}`,
    );
  }
  return audit;
}

/** Splits the on-chain y_1‖…‖y_t into t vectors of n residues. */
export function splitProducts(products: Uint8Array, n: number, t: number): Uint8Array[] {
  if (products.length !== n * t) {
    throw new Error(`the on-chain products have ${products.length} bytes, expected t·n = ${t}·${n} = ${t * n}`);
  }
  return Array.from({ length: t }, (_, i) => products.subarray(i * n, (i + 1) * n));
}

/**
 * Measured speed in basis points of the model's expected time: expectedMs·10,000 / elapsedMs, with
 * elapsed = committedAt − challengedAt in whole seconds (block timestamps), at least 1 s. Rounded
 * down; capped at uint32.
 * @example
 * attestationScore({ model: "nvidia-h100-80gb", n: 151104, steps: 7 }, 40); // ≈ 7,500 when expected is 30 s
 */
export function attestationScore(c: { model: string; n: number; steps: number }, elapsedSeconds: number): number {
  let expectedMs: number;
  try {
    expectedMs = challengeSize(c.model, { n: c.n, steps: c.steps }).expectedSeconds * 1000;
  } catch {
    return 0; // a model the proofs table does not know: no speed claim
  }
  const elapsedMs = Math.max(1, elapsedSeconds) * 1000;
  return Math.min(0xffff_ffff, Math.floor((expectedMs * 10_000) / elapsedMs));
}

/** What the check decided. */
export type Decision =
  | { action: "attest"; score: number; verifyMs: number }
  | { action: "demand-row"; row: number; fault: ProofFault | "no-opening"; message: string }
  | { action: "dispute-products"; t: number; fault: "wrong-product"; message: string };

/** Parameters of {@link decide}. */
export interface DecideParameters {
  chain: ChainChallenge;
  challenge: Challenge;
  audit: Audit;
  /** y_1‖…‖y_t as posted on-chain (binding: the opening's own products are not used). */
  products: Uint8Array;
  answer: OpeningAnswer;
  /** Above this n, python prove.py --verify checks instead of TypeScript. */
  pythonAboveN: number;
  python: string;
  /** A uniform draw in [0, 1) choosing the row to demand when the opening does not name one. */
  random: () => number;
}

/**
 * Checks a response and decides: attest, demand a row (missing, unsigned or wrong opening), or
 * dispute a product (y_t is not Y·r_t).
 * @example
 * const decision = await decide({ chain, challenge, audit, products, answer, pythonAboveN: 4096, python: "python3", random: Math.random });
 */
export async function decide(parameters: DecideParameters): Promise<Decision> {
  const { chain: c, challenge, audit, answer } = parameters;
  const products = splitProducts(parameters.products, c.n, c.t);
  const anyRow = () => audit.rows[Math.floor(parameters.random() * audit.rows.length)] ?? 0;
  const big = c.n > parameters.pythonAboveN;
  // The products are on-chain, so they are checked whatever the API says: a wrong y is proven by bisection.
  if (!big) {
    const truth = chainTimesVectors(challengeKeys(challenge), c.n, audit.vectors);
    for (let t = 0; t < c.t; t++) {
      const claimed = products[t] as Uint8Array;
      const right = truth[t] as Uint8Array;
      const j = claimed.findIndex((v, i) => v !== right[i]);
      if (j >= 0) {
        return {
          action: "dispute-products",
          t,
          fault: "wrong-product",
          message: `y_${t} is ${claimed[j]} at row ${j}, the chain gives ${right[j]}`,
        };
      }
    }
  }
  if (!answer.ok) {
    return { action: "demand-row", row: anyRow(), fault: "no-opening", message: answer.reason };
  }
  const opening: Opening = { ...answer.opening, products: products.map((p) => toHex(p)) };
  const verdict = big
    ? await verifyWithPython(parameters.python, challenge, audit, opening, c.k, c.t)
    : verifyOpening({
        challenge,
        commitment: { challengeId: challenge.id, root: c.root },
        checkSeed: audit.checkSeed,
        opening,
        k: c.k,
        t: c.t,
      });
  if (verdict.ok) {
    return { action: "attest", score: attestationScore(c, c.committedAt - c.challengedAt), verifyMs: verdict.verifyMs };
  }
  if (verdict.fault === "wrong-product") {
    const t = Number(/product (\d+)|r_(\d+)/.exec(verdict.message)?.slice(1).find(Boolean) ?? 0);
    return { action: "dispute-products", t, fault: "wrong-product", message: verdict.message };
  }
  const row = verdict.row !== undefined && audit.rows.includes(verdict.row) ? verdict.row : anyRow();
  return { action: "demand-row", row, fault: verdict.fault, message: verdict.message };
}

/** The python prover's path inside @ocx/proofs. */
export function proveScript(): string {
  const entry = fileURLToPath(import.meta.resolve("@ocx/proofs"));
  return path.join(path.dirname(entry), "..", "python", "prove.py");
}

/** Runs python prove.py --verify on the opening; resolves with its verdict. */
async function verifyWithPython(
  python: string,
  challenge: Challenge,
  audit: Audit,
  opening: Opening,
  k: number,
  t: number,
): Promise<{ ok: true; verifyMs: number } | { ok: false; fault: ProofFault; message: string; row?: number }> {
  const started = performance.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), "ocx-validator-verify-"));
  try {
    const challengeFile = path.join(dir, "challenge.json");
    const answerFile = path.join(dir, "answer.json");
    await writeFile(challengeFile, JSON.stringify(challenge));
    await writeFile(
      answerFile,
      JSON.stringify({ commitment: { challengeId: challenge.id, root: audit.root }, opening }),
    );
    const args = [
      proveScript(),
      "--challenge",
      challengeFile,
      "--check-seed",
      audit.checkSeed,
      "--verify",
      answerFile,
      "--k",
      String(k),
      "--t",
      String(t),
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(python, args, { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => {
          stdout += d;
        });
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("error", (error) => reject(new Error(`cannot run ${python} ${proveScript()}: ${error.message}`)));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      },
    );
    const line = stdout.trim().split("\n").pop() ?? "";
    let verdict: { ok: boolean; fault?: ProofFault; message?: string; row?: number };
    try {
      verdict = JSON.parse(line);
    } catch {
      throw new Error(`${python} prove.py --verify exited ${code} without a verdict: ${stderr.trim().slice(-500)}`);
    }
    if (verdict.ok) return { ok: true, verifyMs: performance.now() - started };
    const row = verdict.row ?? Number(/row (\d+)/.exec(verdict.message ?? "")?.[1] ?? Number.NaN);
    return {
      ok: false,
      fault: verdict.fault ?? "malformed",
      message: verdict.message ?? "refused",
      ...(Number.isNaN(row) ? {} : { row }),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
