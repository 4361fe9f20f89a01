// Writes contracts/test/fixtures/proofmath/ProofMathFixtures.sol: test vectors computed by the TypeScript
// implementation in packages/proofs (the honest prover, the verifier's chain through r), ABI-encoded,
// which contracts/test/unit/ProofMath.t.sol decodes and checks against ProofMath.sol one value at a time.
// Run: npx tsx contracts/tools/proof-fixtures.ts (deterministic: the same bytes every run);
// with --check it writes nothing and exits 1 when the committed file differs from what packages/proofs gives now.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encodeAbiParameters, type Hex } from "viem";
import {
  buildRowTree,
  chainTrace,
  challengeKeys,
  deriveAudit,
  deriveChallenge,
  matrixEntry,
  merkleProof,
  merkleRoot,
  runChain,
  sha256,
  toHex,
  traceSchedule,
} from "../../packages/proofs/src/index.js";

/** One (n, steps) case; `opened` audited rows get Merkle proofs; `allEntries` checks every trace entry. */
type CaseSpec = { n: number; steps: number; k: number; opened: number; allEntries: boolean; label: string };

const CASES: CaseSpec[] = [
  { label: "N32_L1", n: 32, steps: 1, k: 32, opened: 4, allEntries: true },
  { label: "N64_L2", n: 64, steps: 2, k: 64, opened: 8, allEntries: true },
  { label: "N128_L2", n: 128, steps: 2, k: 64, opened: 6, allEntries: false },
  { label: "N96_L3", n: 96, steps: 3, k: 64, opened: 6, allEntries: false },
  { label: "N64_L4", n: 64, steps: 4, k: 16, opened: 4, allEntries: false },
  { label: "N1024_L2", n: 1024, steps: 2, k: 64, opened: 3, allEntries: false },
];

const PROVIDER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as const;
const T = 2;

// Field order of struct ProofMathCase in the generated Solidity; keep the two in step.
const CASE_ABI = [
  {
    type: "tuple",
    components: [
      { name: "n", type: "uint32" },
      { name: "steps", type: "uint32" },
      { name: "gpuIndex", type: "uint32" },
      { name: "deadlineSeconds", type: "uint32" },
      { name: "k", type: "uint32" },
      { name: "t", type: "uint32" },
      { name: "seed", type: "bytes32" },
      { name: "provider", type: "address" },
      { name: "modelHash", type: "bytes32" },
      { name: "workId", type: "bytes32" },
      { name: "keys0", type: "uint32[]" },
      { name: "keys1", type: "uint32[]" },
      { name: "entryMatrix", type: "uint32[]" },
      { name: "entryRow", type: "uint32[]" },
      { name: "entryCol", type: "uint32[]" },
      { name: "entryValue", type: "uint32[]" },
      { name: "root", type: "bytes32" },
      { name: "checkSeed", type: "bytes32" },
      { name: "auditId", type: "bytes32" },
      { name: "vectors", type: "bytes[]" },
      { name: "rows", type: "uint32[]" },
      { name: "products", type: "bytes[]" },
      { name: "openedValues", type: "bytes[]" },
      { name: "openedProofs", type: "bytes32[][]" },
      { name: "trace", type: "bytes[]" },
      { name: "traceStep", type: "uint32[]" },
      { name: "traceEntry", type: "uint32[]" },
    ],
  },
] as const;

// A small deterministic generator for sample positions (xorshift32), so the file is reproducible.
function positions(seed: number): (bound: number) => number {
  let x = seed >>> 0 || 1;
  return (bound) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % bound;
  };
}

function buildCase(spec: CaseSpec, index: number): Hex {
  const { n, steps } = spec;
  const challenge = deriveChallenge({
    seed: toHex(sha256(new TextEncoder().encode(`proofmath seed ${spec.label}`))),
    provider: PROVIDER,
    gpuIndex: index,
    model: "cpu",
    n,
    steps,
  });
  const keys = challengeKeys(challenge);
  const { result } = runChain(keys, n);
  const tree = buildRowTree(result, n, n);
  const root = toHex(merkleRoot(tree));
  const checkSeed = toHex(sha256(new TextEncoder().encode(`proofmath check ${spec.label}`)));
  const audit = deriveAudit({ challenge, commitment: { challengeId: challenge.id, root }, checkSeed, k: spec.k, t: T });
  const products = audit.vectors.map((r) => {
    const y = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let c = 0; c < n; c++) sum += (result[j * n + c] as number) * (r[c] as number);
      y[j] = sum % 127;
    }
    return y;
  });
  const opened = audit.rows.slice(0, spec.opened);

  const pick = positions(0x9e3779b9 ^ (n * 131 + steps));
  const entryMatrix: number[] = [];
  const entryRow: number[] = [];
  const entryCol: number[] = [];
  const entryValue: number[] = [];
  for (let m = 0; m <= steps; m++) {
    for (const [row, col] of [
      [0, 0],
      [n - 1, n - 1],
      [pick(n), pick(n)],
      [pick(n), pick(n)],
      [pick(n), 3],
    ] as const) {
      entryMatrix.push(m);
      entryRow.push(row);
      entryCol.push(col);
      entryValue.push(matrixEntry(keys[m] as (typeof keys)[number], row, col));
    }
  }

  const trace = chainTrace(keys, n, audit.vectors[0] as Uint8Array);
  if (toHex(trace[steps + 1] as Uint8Array) !== toHex(products[0] as Uint8Array)) {
    throw new Error(`${spec.label}: the chain through r disagrees with the prover's Y·r; fix packages/proofs first`);
  }
  const traceStep: number[] = [];
  const traceEntry: number[] = [];
  traceSchedule(steps).forEach((_, s) => {
    const js = spec.allEntries ? Array.from({ length: n }, (_, j) => j) : [0, 1, 2, 3, n - 1, n >> 1, pick(n), pick(n)];
    for (const j of js) {
      traceStep.push(s);
      traceEntry.push(j);
    }
  });

  return encodeAbiParameters(CASE_ABI, [
    {
      n,
      steps,
      gpuIndex: challenge.gpuIndex,
      deadlineSeconds: challenge.deadlineSeconds,
      k: audit.k,
      t: audit.t,
      seed: challenge.seed,
      provider: PROVIDER,
      modelHash: toHex(sha256(new TextEncoder().encode(challenge.model))),
      workId: challenge.id,
      keys0: keys.map((key) => key.k0),
      keys1: keys.map((key) => key.k1),
      entryMatrix,
      entryRow,
      entryCol,
      entryValue,
      root,
      checkSeed,
      auditId: audit.id,
      vectors: audit.vectors.map(toHex),
      rows: audit.rows,
      products: products.map(toHex),
      openedValues: opened.map((row) => toHex(result.subarray(row * n, (row + 1) * n))),
      openedProofs: opened.map((row) => merkleProof(tree, row).map(toHex)),
      trace: trace.map(toHex),
      traceStep,
      traceEntry,
    },
  ]);
}

const out = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../test/fixtures/proofmath/ProofMathFixtures.sol",
);
const constants = CASES.map((spec, i) => {
  const encoded = buildCase(spec, i);
  return `    /// @notice n=${spec.n}, L=${spec.steps}, k=${spec.k}, t=${T}.\n    bytes internal constant CASE_${spec.label} =\n        hex"${encoded.slice(2)}";`;
});
const struct = CASE_ABI[0].components.map((c) => `    ${c.type} ${c.name};`).join("\n");
const source = `// SPDX-License-Identifier: Apache-2.0
// GENERATED by contracts/tools/proof-fixtures.ts from packages/proofs; do not edit. Regenerate with
// \`npx tsx contracts/tools/proof-fixtures.ts\` after any change to the proof protocol.
pragma solidity ^0.8.28;

/// @notice One test vector of ProofMath: a real challenge, the honest prover's commitment, its audit,
/// opened rows with Merkle proofs, products y_t = Y·r_t, and the chain-through-r trace of r_0.
struct ProofMathCase {
${struct}
}

/// @notice ABI-encoded ProofMathCase values, computed by the TypeScript implementation.
library ProofMathFixtures {
${constants.join("\n\n")}

    /// @notice Every case, decoded.
    function all() internal pure returns (ProofMathCase[] memory cases) {
        bytes[${CASES.length}] memory encoded = [${CASES.map((s) => `CASE_${s.label}`).join(", ")}];
        cases = new ProofMathCase[](encoded.length);
        for (uint256 i; i < encoded.length; ++i) cases[i] = abi.decode(encoded[i], (ProofMathCase));
    }
}
`;
const relative = path.relative(process.cwd(), out);
if (process.argv.includes("--check")) {
  if (!existsSync(out) || readFileSync(out, "utf8") !== source) {
    console.error(
      `${relative} is stale: packages/proofs now gives other vectors; run npx tsx contracts/tools/proof-fixtures.ts`,
    );
    process.exit(1);
  }
  console.log(`${relative} is up to date`);
} else {
  writeFileSync(out, source);
  console.log(`wrote ${relative}: ${CASES.map((s) => s.label).join(", ")}`);
}
