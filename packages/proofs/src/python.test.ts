// The PyTorch prover (python/prove.py) must compute the same bytes as this package. Its constants
// are compared always; where python3 with NumPy is installed its CPU backend is run end to end.
// Its torch backend runs here only on a NumPy stand-in for torch (python/check_torch_path.py):
// no GPU and no PyPI on development machines, so torch itself and CUDA are unchecked.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Hex } from "./bytes.js";
import { MODULUS } from "./field.js";
import { deriveAudit, deriveChallenge, type Opening, openingHash, PROOF_VERSION } from "./messages.js";
import { TAG, WEYL } from "./prg.js";
import { proveChallenge } from "./prover.js";

const script = fileURLToPath(new URL("../python/prove.py", import.meta.url));
const source = readFileSync(script, "utf8");
const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { stdio: "ignore" }).status === 0;

function pythonConstant(name: string): number {
  const match = new RegExp(`^${name} = (0x[0-9A-Fa-f]+|\\d+)$`, "m").exec(source);
  if (match === null) throw new Error(`python/prove.py defines no constant ${name}`);
  return Number(match[1]);
}

describe("python/prove.py", () => {
  it("uses this package's derivation constants", () => {
    expect(pythonConstant("MODULUS")).toBe(MODULUS);
    expect(pythonConstant("PROOF_VERSION")).toBe(PROOF_VERSION);
    expect(pythonConstant("WEYL")).toBe(WEYL);
    expect(pythonConstant("FMIX_C1")).toBe(0x85ebca6b);
    expect(pythonConstant("FMIX_C2")).toBe(0xc2b2ae35);
    expect(pythonConstant("TAG_MATRIX_KEY")).toBe(TAG.matrixKey);
    expect(pythonConstant("TAG_AUDIT_VECTOR")).toBe(TAG.auditVector);
    expect(pythonConstant("TAG_AUDIT_ROWS")).toBe(TAG.auditRows);
    // The constants in the TypeScript fmix32 are the ones compared above.
    expect(readFileSync(fileURLToPath(new URL("./prg.ts", import.meta.url)), "utf8")).toContain(
      "Math.imul(x, 0x85ebca6b)",
    );
  });

  it.skipIf(!hasNumpy).each([
    [64, 3, 16, 1],
    [52, 2, 52, 2],
  ])("numpy backend gives the TypeScript commitment and opening at n=%i, L=%i, k=%i, t=%i", (n, steps, k, t) => {
    const dir = mkdtempSync(join(tmpdir(), "ocx-proofs-"));
    try {
      const challenge = deriveChallenge({
        seed: `0x${"5a".repeat(32)}`,
        provider: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
        gpuIndex: 3,
        model: "cpu",
        n,
        steps,
      });
      const checkSeed = `0x${"c3".repeat(32)}` as const;
      writeFileSync(join(dir, "challenge.json"), JSON.stringify(challenge));
      execFileSync(
        "python3",
        [
          script,
          "--challenge",
          join(dir, "challenge.json"),
          "--backend",
          "numpy",
          "--check-seed",
          checkSeed,
          "--k",
          String(k),
          "--t",
          String(t),
          "--out",
          join(dir, "out.json"),
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      const python = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as {
        commitment: { challengeId: string; root: string };
        opening: Opening;
      };
      const session = proveChallenge(challenge);
      expect(python.commitment).toEqual(session.commitment);
      const opening = session.open(deriveAudit({ challenge, commitment: session.commitment, checkSeed, k, t }));
      expect(openingHash(python.opening)).toBe(openingHash(opening));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasNumpy).each([
    [64, 3],
    [96, 2],
  ])("torch backend, run on a NumPy stand-in for torch, gives the NumPy bytes at n=%i, L=%i", (n, steps) => {
    // Checks the GPU path's own logic (symmetric int8, row chunks, transposed writes); not torch or CUDA.
    const checker = fileURLToPath(new URL("../python/check_torch_path.py", import.meta.url));
    const out = execFileSync("python3", [checker, "--n", String(n), "--steps", String(steps)], { encoding: "utf8" });
    expect(JSON.parse(out)).toMatchObject({ n, steps, match: true, verified: true });
  });

  it.skipIf(!hasNumpy)(
    "its verifier accepts the TypeScript prover's opening and names the fault of tampered ones",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "ocx-proofs-"));
      try {
        const challenge = deriveChallenge({
          seed: `0x${"5a".repeat(32)}`,
          provider: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
          gpuIndex: 0,
          model: "cpu",
          n: 64,
          steps: 3,
        });
        const checkSeed = `0x${"c3".repeat(32)}` as const;
        const session = proveChallenge(challenge);
        const opening = session.open(deriveAudit({ challenge, commitment: session.commitment, checkSeed }));
        writeFileSync(join(dir, "challenge.json"), JSON.stringify(challenge));
        const verifyInPython = (changed: Opening) => {
          writeFileSync(join(dir, "answer.json"), JSON.stringify({ commitment: session.commitment, opening: changed }));
          const run = spawnSync(
            "python3",
            [
              script,
              "--challenge",
              join(dir, "challenge.json"),
              "--backend",
              "numpy",
              "--check-seed",
              checkSeed,
              "--verify",
              join(dir, "answer.json"),
            ],
            { encoding: "utf8" },
          );
          return JSON.parse(run.stdout) as { ok: boolean; fault?: string };
        };
        expect(verifyInPython(opening)).toEqual({ ok: true });
        const product = opening.products[0] as string;
        const wrongProduct = `0x${((Number.parseInt(product.slice(2, 4), 16) + 1) % 127).toString(16).padStart(2, "0")}${product.slice(4)}`;
        expect(
          verifyInPython({ ...opening, products: [wrongProduct as Hex, opening.products[1] as Hex] }),
        ).toMatchObject({
          ok: false,
          fault: "wrong-product",
        });
        const row = opening.rows[0] as Opening["rows"][number];
        const wrongRow = { ...row, values: `0x00${row.values.slice(4)}` as Hex };
        const changedRow =
          row.values.slice(2, 4) === "00" ? { ...row, values: `0x01${row.values.slice(4)}` as Hex } : wrongRow;
        expect(verifyInPython({ ...opening, rows: [changedRow, ...opening.rows.slice(1)] })).toMatchObject({
          ok: false,
          fault: "bad-merkle-proof",
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.skipIf(!hasNumpy)("refuses a challenge whose id does not match its fields", () => {
    const dir = mkdtempSync(join(tmpdir(), "ocx-proofs-"));
    try {
      const challenge = deriveChallenge({
        seed: `0x${"5a".repeat(32)}`,
        provider: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
        gpuIndex: 0,
        model: "cpu",
        n: 8,
        steps: 1,
      });
      writeFileSync(join(dir, "challenge.json"), JSON.stringify({ ...challenge, steps: 2 }));
      const run = spawnSync("python3", [script, "--challenge", join(dir, "challenge.json"), "--backend", "numpy"], {
        encoding: "utf8",
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain("does not match its fields");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
