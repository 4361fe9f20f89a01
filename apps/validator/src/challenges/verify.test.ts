// The validator's decision on real proofs from @ocx/proofs' provers (honest, skipping, faking, and a
// provider whose on-chain products are wrong), through the TypeScript and the python verifier.
import {
  type Challenge,
  concatBytes,
  deriveAudit,
  deriveChallenge,
  fakingProver,
  fromHex,
  type Prover,
  proveChallenge,
  skippingProver,
} from "@ocx/proofs";
import { describe, expect, it } from "vitest";
import type { ChainChallenge } from "./port.js";
import { attestationScore, auditOf, challengeOf, decide } from "./verify.js";

const provider = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as const;
const seed = `0x${"ab".repeat(32)}` as const;
const checkSeed = `0x${"cd".repeat(32)}` as const;

/** Runs `prover` on a small cpu challenge and returns what the chain and the API would hold. */
function respond(prover: Prover, options: { n?: number; k?: number; tamper?: boolean } = {}) {
  const n = options.n ?? 64;
  const k = options.k ?? 16;
  const challenge: Challenge = deriveChallenge({ seed, provider, gpuIndex: 0, model: "cpu", n, steps: 2 });
  const session = prover(challenge);
  const audit = deriveAudit({ challenge, commitment: session.commitment, checkSeed, k, t: 2 });
  const opening = session.open(audit);
  const products = concatBytes(...opening.products.map((p) => fromHex(p, n, "product")));
  if (options.tamper) products[n + 5] = ((products[n + 5] as number) + 1) % 127; // y_1 wrong at row 5
  const chain: ChainChallenge = {
    id: 1n,
    provider,
    validator: "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
    gpuIndex: 0,
    model: "cpu",
    phase: "Responded",
    stage: "None",
    disputedVector: 0,
    n,
    steps: 2,
    k,
    t: 2,
    challengedAt: 1000,
    deadlineAt: 1000 + challenge.deadlineSeconds,
    challengeBlock: 10n,
    committedAt: 1002,
    commitBlock: 11n,
    roundDeadline: 2000,
    roundArg: 0,
    seed,
    workId: challenge.id,
    root: session.commitment.root,
    auditId: audit.id,
    productsHash: `0x${"00".repeat(32)}`,
  };
  return { chain, opening, products };
}

const settings = { pythonAboveN: 1 << 30, python: "python3", random: () => 0 };

async function decisionFor(r: ReturnType<typeof respond>, overrides: Partial<typeof settings> = {}) {
  const challenge = challengeOf(r.chain);
  const audit = auditOf(r.chain, challenge, checkSeed);
  return decide({
    chain: r.chain,
    challenge,
    audit,
    products: r.products,
    answer: { ok: true, opening: r.opening },
    ...settings,
    ...overrides,
  });
}

describe("decide", () => {
  it("attests an honest proof, with a score from the elapsed time", async () => {
    const decision = await decisionFor(respond(proveChallenge));
    expect(decision).toMatchObject({ action: "attest" });
  });

  it("demands an opened row the skipping prover left out (row-inconsistent)", async () => {
    const r = respond(skippingProver(0.5));
    const decision = await decisionFor(r);
    expect(decision).toMatchObject({ action: "demand-row", fault: "row-inconsistent" });
    if (decision.action !== "demand-row") throw new Error("unreachable");
    expect(decision.row).toBeLessThan(32); // a skipped row: the first ⌊f·n⌋ rows are zeros
  });

  it("demands a row of the faking prover (its opened rows are not in its tree)", async () => {
    const decision = await decisionFor(respond(fakingProver()));
    expect(decision).toMatchObject({ action: "demand-row", fault: "bad-merkle-proof" });
  });

  it("disputes the product vector that is wrong on-chain, whatever the opening says", async () => {
    const decision = await decisionFor(respond(proveChallenge, { tamper: true }));
    expect(decision).toMatchObject({ action: "dispute-products", t: 1, fault: "wrong-product" });
  });

  it("demands a row when the provider serves no opening", async () => {
    const r = respond(proveChallenge);
    const challenge = challengeOf(r.chain);
    const audit = auditOf(r.chain, challenge, checkSeed);
    const decision = await decide({
      chain: r.chain,
      challenge,
      audit,
      products: r.products,
      answer: { ok: false, reason: "404", retry: true },
      ...settings,
    });
    expect(decision).toMatchObject({ action: "demand-row", fault: "no-opening", row: audit.rows[0] });
  });

  it("refuses to check a challenge whose workId is not the id of its fields", () => {
    const r = respond(proveChallenge);
    expect(() => challengeOf({ ...r.chain, gpuIndex: 1 })).toThrow(/workId .* is not the id of its fields/);
  });

  it("python prove.py --verify reaches the same decisions", async () => {
    const python = { pythonAboveN: 0 };
    expect(await decisionFor(respond(proveChallenge), python)).toMatchObject({ action: "attest" });
    expect(await decisionFor(respond(skippingProver(0.5)), python)).toMatchObject({
      action: "demand-row",
      fault: "row-inconsistent",
    });
  });
});

describe("attestationScore", () => {
  it("is expected time over elapsed time in basis points, rounded down, elapsed at least 1 s", () => {
    // nvidia-h100-80gb at its table size is sized to take about 30 s at listed throughput.
    const score = attestationScore({ model: "nvidia-h100-80gb", n: 151104, steps: 7 }, 60);
    expect(score).toBeGreaterThan(4000);
    expect(score).toBeLessThan(6000);
    expect(attestationScore({ model: "cpu", n: 64, steps: 2 }, 0)).toBe(
      attestationScore({ model: "cpu", n: 64, steps: 2 }, 1),
    );
    expect(attestationScore({ model: "no-such-gpu", n: 64, steps: 2 }, 1)).toBe(0);
  });
});
