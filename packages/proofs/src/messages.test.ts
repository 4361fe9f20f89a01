import { describe, expect, it } from "vitest";
import { sha256, toHex } from "./bytes.js";
import {
  assertChallengeId,
  challengeKeys,
  commitmentHash,
  deriveAudit,
  deriveChallenge,
  encodeChallenge,
  openingHash,
} from "./messages.js";
import { challengeSize, DEADLINE_MARGIN, GPU_MODELS, gpuModel } from "./models.js";
import { proveChallenge } from "./prover.js";

const base = {
  seed: `0x${"11".repeat(32)}`,
  provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  gpuIndex: 0,
  model: "cpu",
  n: 16,
  steps: 2,
} as const;

describe("challenge derivation", () => {
  it("is deterministic and binds every input into the id", () => {
    const challenge = deriveChallenge(base);
    expect(deriveChallenge(base)).toEqual(challenge);
    expect(challenge.provider).toBe(base.provider.toLowerCase());
    expect(encodeChallenge(challenge).length).toBe(105);
    expect(challenge.id).toBe(toHex(sha256(encodeChallenge(challenge))));
    const variants = [
      { seed: `0x${"12".repeat(32)}` },
      { provider: "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc" },
      { gpuIndex: 1 },
      { model: "nvidia-t4-16gb" },
      { n: 20 },
      { steps: 3 },
    ] as const;
    const ids = new Set([challenge.id, ...variants.map((v) => deriveChallenge({ ...base, ...v }).id)]);
    expect(ids.size).toBe(variants.length + 1);
    expect(new Set(challengeKeys(challenge).map((k) => `${k.k0}:${k.k1}`)).size).toBe(3);
  });

  it("detects a challenge edited after its id was computed", () => {
    const challenge = deriveChallenge(base);
    expect(() => assertChallengeId({ ...challenge, gpuIndex: 1 })).toThrow(/does not match its fields/);
  });

  it("refuses an unknown model, naming the ids it knows", () => {
    expect(() => deriveChallenge({ ...base, model: "nvidia-b200-192gb" })).toThrow(
      /unknown GPU model "nvidia-b200-192gb".*nvidia-h100-80gb/,
    );
  });

  it("refuses sizes the provers cannot run", () => {
    expect(() => deriveChallenge({ ...base, n: 6 })).toThrow(/multiple of 4/);
    expect(() => deriveChallenge({ ...base, steps: 0 })).toThrow(/steps ≥ 1/);
    expect(() => deriveChallenge({ ...base, provider: "0x1234" })).toThrow(/20-byte 0x address/);
  });
});

describe("model table sizing", () => {
  it.each(Object.keys(GPU_MODELS))(
    "%s: the working set fills most of its memory and a smaller card cannot hold it",
    (model) => {
      const entry = gpuModel(model);
      const size = challengeSize(model);
      const vram = entry.vramMiB * 2 ** 20;
      expect(size.n % 64).toBe(0);
      expect(size.workingSetBytes).toBeLessThanOrEqual(0.8 * vram);
      expect(size.workingSetBytes).toBeGreaterThan(0.7 * vram);
      // About TARGET_WORK_SECONDS of work, and a deadline of MARGIN times that plus commit time and slack.
      expect(size.expectedSeconds).toBeGreaterThan(15);
      expect(size.expectedSeconds).toBeLessThan(60);
      expect(size.deadlineSeconds).toBeGreaterThanOrEqual(Math.ceil(DEADLINE_MARGIN * size.expectedSeconds));
    },
  );

  it("a model claimed by a slower card misses its deadline at that card's peak (H100 claimed, A100 working)", () => {
    const claimed = challengeSize("nvidia-h100-80gb");
    const a100Seconds = claimed.operations / (gpuModel("nvidia-a100-80gb").int8DenseTops * 1e12);
    expect(a100Seconds).toBeGreaterThan(DEADLINE_MARGIN * claimed.expectedSeconds);
  });

  it("int32 accumulation stays exact for every model's n with symmetric residues (63·63·n < 2^31)", () => {
    for (const model of Object.keys(GPU_MODELS)) expect(63 * 63 * challengeSize(model).n).toBeLessThan(2 ** 31);
  });
});

describe("message hashes", () => {
  it("commitment and opening hashes change with any byte", () => {
    const challenge = deriveChallenge(base);
    const session = proveChallenge(challenge);
    const audit = deriveAudit({ challenge, commitment: session.commitment, checkSeed: `0x${"22".repeat(32)}`, k: 4 });
    const opening = session.open(audit);
    expect(commitmentHash(session.commitment)).not.toBe(
      commitmentHash({ ...session.commitment, root: `0x${"00".repeat(32)}` }),
    );
    const hash = openingHash(opening);
    expect(openingHash(opening)).toBe(hash);
    const rows = opening.rows.map((r, i) => (i === 0 ? { ...r, index: r.index + 1 } : r));
    expect(openingHash({ ...opening, rows })).not.toBe(hash);
  });
});
