import { describe, expect, it } from "vitest";
import { fromHex, type Hex, toHex } from "./bytes.js";
import { fakingProver, skippingProver } from "./cheaters.js";
import { MODULUS } from "./field.js";
import { type Challenge, deriveAudit, deriveChallenge, type Opening } from "./messages.js";
import { commitResult, proveChallenge } from "./prover.js";
import { passProbabilityBound, passProbabilityBoundDistinctRows } from "./soundness.js";
import { assertValidOpening, checkDeadline, ProofRejectedError, verifyOpening } from "./verifier.js";

const PROVIDER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const seedOf = (i: number): Hex => toHex(Uint8Array.from({ length: 32 }, (_, b) => (i * 31 + b * 7) & 0xff));
const challengeOf = (n: number, steps: number, seed = 1): Challenge =>
  deriveChallenge({ seed: seedOf(seed), provider: PROVIDER, gpuIndex: 0, model: "cpu", n, steps });

function audited(challenge: Challenge, prover = proveChallenge, checkSeed = seedOf(1000), k = 8, t = 2) {
  const session = prover(challenge);
  const audit = deriveAudit({ challenge, commitment: session.commitment, checkSeed, k, t });
  const opening = session.open(audit);
  const verify = (changes: Partial<{ opening: Opening; checkSeed: Hex; commitment: typeof session.commitment }> = {}) =>
    verifyOpening({
      challenge,
      commitment: changes.commitment ?? session.commitment,
      checkSeed: changes.checkSeed ?? checkSeed,
      opening: changes.opening ?? opening,
      k,
      t,
    });
  return { session, audit, opening, verify };
}

function flipByte(hex: Hex, at: number): Hex {
  const bytes = fromHex(hex, undefined, "test");
  bytes[at] = ((bytes[at] as number) + 1) % MODULUS;
  return toHex(bytes);
}

describe("honest proofs", () => {
  it.each([
    [4, 1, 4, 1],
    [16, 2, 8, 2],
    [64, 3, 16, 1],
    [128, 2, 64, 2],
    [100, 4, 100, 3],
  ])("verify at n=%i, L=%i, k=%i, t=%i", (n, steps, k, t) => {
    const { verify } = audited(challengeOf(n, steps), proveChallenge, seedOf(7), k, t);
    expect(verify()).toMatchObject({ ok: true });
  });

  it("derive the same commitment from the same challenge, another for another seed", () => {
    const a = proveChallenge(challengeOf(32, 2)).commitment;
    expect(proveChallenge(challengeOf(32, 2)).commitment).toEqual(a);
    expect(proveChallenge(challengeOf(32, 2, 2)).commitment.root).not.toBe(a.root);
  });
});

describe("cheaters are caught", () => {
  it("a prover that skips half of the last product is caught at a fixed audit (row inconsistent with Y·r)", () => {
    const { verify } = audited(challengeOf(64, 2), skippingProver(0.5), seedOf(1000), 16, 1);
    expect(verify()).toMatchObject({ ok: false, fault: "row-inconsistent" });
  });

  it("a prover that does none of the last product (Freivalds' y = A·(B·r) shortcut) is caught", () => {
    const { verify } = audited(challengeOf(64, 3), skippingProver(1), seedOf(1001), 4, 1);
    expect(verify()).toMatchObject({ ok: false, fault: "row-inconsistent" });
  });

  it("a prover that fakes rows to fit Y·r is caught by the commitment", () => {
    const { opening, verify } = audited(challengeOf(64, 2), fakingProver(), seedOf(1002), 8, 2);
    const verdict = verify();
    expect(verdict).toMatchObject({ ok: false, fault: "bad-merkle-proof" });
    // The fabricated rows really do fit the products: only the commitment betrays them.
    expect(opening.rows.length).toBe(8);
  });

  it("a prover whose products are consistent with its own wrong commitment is caught by the chain (Freivalds)", () => {
    const challenge = challengeOf(32, 2);
    const lazy = (c: Challenge) => commitResult(c, new Uint8Array(c.n * c.n));
    const { verify } = audited(challenge, lazy, seedOf(1003), 8, 1);
    expect(verify()).toMatchObject({ ok: false, fault: "wrong-product" });
  });

  it("over 300 audits, a prover wrong in half the rows passes no more often than the bound allows", () => {
    const n = 32;
    const k = 4;
    const t = 1;
    const challenge = challengeOf(n, 2, 5);
    const session = skippingProver(0.5)(challenge);
    const trials = 300;
    let passes = 0;
    for (let i = 0; i < trials; i++) {
      const checkSeed = seedOf(5000 + i);
      const audit = deriveAudit({ challenge, commitment: session.commitment, checkSeed, k, t });
      if (
        verifyOpening({ challenge, commitment: session.commitment, checkSeed, opening: session.open(audit), k, t }).ok
      ) {
        passes++;
      }
    }
    const bound = passProbabilityBound({ f: 0.5, k, t });
    const exact = passProbabilityBoundDistinctRows({ n, wrongRows: 16, k, t });
    expect(exact).toBeLessThanOrEqual(bound);
    // One-sided: at most the bound's mean plus three standard deviations.
    expect(passes).toBeLessThanOrEqual(trials * bound + 3 * Math.sqrt(trials * bound * (1 - bound)));
    // And the experiment measures something: a cheater wrong in half the rows does slip through now and then.
    expect(passes).toBeGreaterThan(0);
  });

  it("over 100 audits, the faking prover never passes", () => {
    const challenge = challengeOf(16, 2, 6);
    const session = fakingProver()(challenge);
    for (let i = 0; i < 100; i++) {
      const checkSeed = seedOf(9000 + i);
      const audit = deriveAudit({ challenge, commitment: session.commitment, checkSeed, k: 2, t: 1 });
      const verdict = verifyOpening({
        challenge,
        commitment: session.commitment,
        checkSeed,
        opening: session.open(audit),
        k: 2,
        t: 1,
      });
      expect(verdict.ok).toBe(false);
    }
  });
});

describe("tampering and replays", () => {
  const challenge = challengeOf(32, 2, 3);
  const honest = audited(challenge);

  it("a changed opened row fails against the root", () => {
    const row = honest.opening.rows[3] as Opening["rows"][number];
    const rows = honest.opening.rows.map((r) => (r === row ? { ...r, values: flipByte(r.values, 0) } : r));
    const verdict = honest.verify({ opening: { ...honest.opening, rows } });
    expect(verdict).toMatchObject({ ok: false, fault: "bad-merkle-proof", row: row.index });
    if (!verdict.ok) expect(verdict.message).toContain(`row ${row.index} does not hash up to the committed root`);
  });

  it("a changed product fails against the chain, naming the row and both values", () => {
    const verdict = honest.verify({
      opening: {
        ...honest.opening,
        products: [flipByte(honest.opening.products[0] as Hex, 9), honest.opening.products[1] as Hex],
      },
    });
    expect(verdict).toMatchObject({ ok: false, fault: "wrong-product", row: 9 });
    if (!verdict.ok) expect(verdict.message).toMatch(/product 0 \(Y·r mod 127\) is \d+ at row 9, the chain gives \d+/);
  });

  it("a swapped Merkle proof fails", () => {
    const rows = honest.opening.rows.map((r, i) =>
      i === 0 ? { ...r, proof: (honest.opening.rows[1] as Opening["rows"][number]).proof } : r,
    );
    expect(honest.verify({ opening: { ...honest.opening, rows } })).toMatchObject({
      ok: false,
      fault: "bad-merkle-proof",
    });
  });

  it("a commitment with another root fails: the audit changes, so the opening is a replay", () => {
    const commitment = { ...honest.session.commitment, root: toHex(new Uint8Array(32).fill(7)) };
    expect(honest.verify({ commitment })).toMatchObject({ ok: false, fault: "replayed-opening" });
  });

  it("an opening replayed for another audit of the same commitment is refused", () => {
    const verdict = honest.verify({ checkSeed: seedOf(2000) });
    expect(verdict).toMatchObject({ ok: false, fault: "replayed-opening" });
    if (!verdict.ok) expect(verdict.message).toContain(`opening answers audit ${honest.audit.id}`);
  });

  it("an opening replayed for another challenge is refused", () => {
    const other = challengeOf(32, 2, 4);
    const otherSession = proveChallenge(other);
    const verdict = verifyOpening({
      challenge: other,
      commitment: otherSession.commitment,
      checkSeed: seedOf(1000),
      opening: honest.opening,
      k: 8,
      t: 2,
    });
    expect(verdict).toMatchObject({ ok: false, fault: "replayed-opening" });
  });

  it("a commitment for another challenge is refused", () => {
    const other = challengeOf(32, 2, 4);
    const verdict = verifyOpening({
      challenge: other,
      commitment: honest.session.commitment,
      checkSeed: seedOf(1000),
      opening: honest.opening,
      k: 8,
      t: 2,
    });
    expect(verdict).toMatchObject({ ok: false, fault: "challenge-mismatch" });
  });

  it("a challenge whose fields were changed after its id was computed is refused", () => {
    const verdict = verifyOpening({
      challenge: { ...challenge, steps: 1 },
      commitment: honest.session.commitment,
      checkSeed: seedOf(1000),
      opening: honest.opening,
      k: 8,
      t: 2,
    });
    expect(verdict).toMatchObject({ ok: false, fault: "challenge-mismatch" });
  });

  it("malformed openings say what is wrong", () => {
    const rows = honest.opening.rows.slice(1);
    expect(honest.verify({ opening: { ...honest.opening, rows } })).toMatchObject({
      ok: false,
      fault: "malformed",
      message: "opening has 7 rows, the audit asks for k=8",
    });
    const swapped = [
      honest.opening.rows[1],
      honest.opening.rows[0],
      ...honest.opening.rows.slice(2),
    ] as Opening["rows"];
    expect(honest.verify({ opening: { ...honest.opening, rows: swapped } })).toMatchObject({
      ok: false,
      fault: "malformed",
    });
    const big = honest.opening.rows.map((r, i) => (i === 0 ? { ...r, values: `0xff${r.values.slice(4)}` as Hex } : r));
    const verdict = honest.verify({ opening: { ...honest.opening, rows: big } });
    expect(verdict).toMatchObject({ ok: false, fault: "malformed" });
    if (!verdict.ok) expect(verdict.message).toContain("holds 255 at position 0, not a residue mod 127");
    expect(honest.verify({ opening: { ...honest.opening, products: ["0x00"] } })).toMatchObject({
      ok: false,
      fault: "malformed",
    });
  });

  it("a committed row that is wrong but opened with a genuine proof is a row-inconsistent fault", () => {
    const n = challenge.n;
    const session = proveChallenge(challenge);
    const audit = deriveAudit({ challenge, commitment: session.commitment, checkSeed: seedOf(1000), k: 8, t: 2 });
    // Commit to Y with one audited row changed, answer the true products.
    const result = new Uint8Array(n * n);
    const honestOpening = session.open(
      deriveAudit({ challenge, commitment: session.commitment, checkSeed: seedOf(1000), k: n, t: 2 }),
    );
    for (const row of honestOpening.rows) result.set(fromHex(row.values, n, "row"), row.index * n);
    const target = audit.rows[0] as number;
    result[target * n] = ((result[target * n] as number) + 1) % MODULUS;
    const cheat = commitResult(challenge, result);
    const cheatAudit = deriveAudit({ challenge, commitment: cheat.commitment, checkSeed: seedOf(1000), k: n, t: 2 });
    const opening = { ...cheat.open(cheatAudit), products: session.open(cheatAudit).products };
    const verdict = verifyOpening({
      challenge,
      commitment: cheat.commitment,
      checkSeed: seedOf(1000),
      opening,
      k: n,
      t: 2,
    });
    expect(verdict).toMatchObject({ ok: false, fault: "row-inconsistent", row: target });
  });

  it("assertValidOpening throws a ProofRejectedError carrying the fault", () => {
    const { session, opening } = audited(challenge, fakingProver());
    expect(() =>
      assertValidOpening({ challenge, commitment: session.commitment, checkSeed: seedOf(1000), opening, k: 8, t: 2 }),
    ).toThrow(ProofRejectedError);
  });
});

describe("deadline", () => {
  it("a commitment later than the model's deadline is a fault proven by timestamps", () => {
    const challenge = challengeOf(64, 2);
    expect(checkDeadline(challenge, 1000n, 1000n + BigInt(challenge.deadlineSeconds))).toMatchObject({ ok: true });
    const late = checkDeadline(challenge, 1000n, 1001n + BigInt(challenge.deadlineSeconds));
    expect(late).toMatchObject({ ok: false, fault: "late" });
  });
});
