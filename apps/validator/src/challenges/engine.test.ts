// The engine's decisions and its restart safety, over a port that plays the contract's phases in
// memory with real proofs from @ocx/proofs (the real contract and nodes are in e2e/trust.test.ts).
import { createLogger, createMetrics } from "@ocx/node-kit";
import {
  type Challenge,
  chainTrace,
  challengeKeys,
  concatBytes,
  deriveAudit,
  deriveChallenge,
  fromHex,
  type Opening,
  proveChallenge,
  toHex,
  traceHashes,
} from "@ocx/proofs";
import { toLabel } from "@ocx/sdk";
import { describe, expect, it } from "vitest";
import { ValidatorStore } from "../store.js";
import { createChallengeEngine, type EngineSettings } from "./engine.js";
import type { ChainChallenge, ChallengePort, OpeningAnswer } from "./port.js";

const provider = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as const;
const n = 32;
const blockHash = (b: bigint) => toHex(fromHex(`0x${b.toString(16).padStart(64, "0")}`, 32, "hash"));

/** The contract's phases in memory; the provider answers as told. */
function memoryChain(behaviour: { commit: boolean; wrongProduct?: boolean }) {
  const calls: string[] = [];
  let now = 1_000;
  let c: ChainChallenge | undefined;
  let challenge: Challenge | undefined;
  let opening: Opening | undefined;
  let products: Uint8Array = new Uint8Array(0);
  let trace: Uint8Array[] = [];
  let revealed: { s: number; vs: Uint8Array; vs1: Uint8Array } | undefined;
  const port: ChallengePort = {
    address: "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
    now: async () => now,
    mineBlock: async () => {},
    blockHash: async (b) => blockHash(b),
    parameters: async () => ({
      challengeBond: 1n,
      faultSlash: 10n,
      rewardBps: 5000,
      responseWindow: 60,
      attestationTtl: 3600,
      openedRows: 8,
      repetitions: 2,
    }),
    activeOffers: async () => [{ provider, state: 1, resources: { gpuModel: toLabel(""), gpuCount: 0 } }],
    async challenge(key) {
      calls.push(`challenge ${key}`);
      if (c) return { id: c.id, deadlineAt: c.deadlineAt };
      challenge = deriveChallenge({ seed: blockHash(10n), provider, gpuIndex: 0, model: "cpu", n, steps: 2 });
      c = {
        id: 1n,
        provider,
        validator: port.address,
        gpuIndex: 0,
        model: "cpu",
        phase: "Issued",
        stage: "None",
        disputedVector: 0,
        n,
        steps: 2,
        k: 8,
        t: 2,
        challengedAt: now,
        deadlineAt: now + challenge.deadlineSeconds,
        challengeBlock: 10n,
        committedAt: 0,
        commitBlock: 0n,
        roundDeadline: 0,
        roundArg: 0,
        seed: challenge.seed,
        workId: challenge.id,
        root: `0x${"00".repeat(32)}`,
        auditId: `0x${"00".repeat(32)}`,
        productsHash: `0x${"00".repeat(32)}`,
      };
      if (behaviour.commit) {
        const session = proveChallenge(challenge);
        const audit = deriveAudit({ challenge, commitment: session.commitment, checkSeed: blockHash(11n), k: 8, t: 2 });
        opening = session.open(audit);
        products = concatBytes(...opening.products.map((p) => fromHex(p, n, "y")));
        trace = chainTrace(challengeKeys(challenge), n, audit.vectors[1] as Uint8Array);
        if (behaviour.wrongProduct) {
          products[n + 3] = ((products[n + 3] as number) + 1) % 127; // y_1 wrong at row 3
          (trace[3] as Uint8Array)[3] = products[n + 3] as number; // the provider's trace ends at its y_1
        }
        c = {
          ...c,
          phase: "Responded",
          committedAt: now + 1,
          commitBlock: 11n,
          root: session.commitment.root,
          auditId: audit.id,
          roundDeadline: now + 60,
        };
      }
      return { id: c.id, deadlineAt: c.deadlineAt };
    },
    getChallenge: async () => ({ ...(c as ChainChallenge) }),
    productsOf: async () => products,
    traceOf: async () => traceHashes(trace),
    revealedStep: async () => revealed,
    attestationExpiry: async () => (c?.phase === "Attested" ? now + 3600 : 0),
    fetchOpening: async (): Promise<OpeningAnswer> =>
      opening ? { ok: true, opening } : { ok: false, reason: "404", retry: true },
    async attest(id, score) {
      calls.push(`attest ${id} ${score}`);
      c = { ...(c as ChainChallenge), phase: "Attested" };
    },
    async proveLate(id) {
      calls.push(`proveLate ${id}`);
      c = { ...(c as ChainChallenge), phase: "Faulted" };
    },
    async demandRow(id, row) {
      calls.push(`demandRow ${id} ${row}`);
    },
    async disputeProducts(id, t) {
      calls.push(`disputeProducts ${id} ${t}`);
      c = {
        ...(c as ChainChallenge),
        phase: "Disputed",
        stage: "StepPickDue",
        disputedVector: t,
        roundDeadline: now + 60,
      };
    },
    async pickStep(id, s) {
      calls.push(`pickStep ${id} ${s}`);
      revealed = { s, vs: trace[s] as Uint8Array, vs1: trace[s + 1] as Uint8Array };
      c = { ...(c as ChainChallenge), stage: "StepProofDue", roundArg: s };
    },
    async proveStep(id, j) {
      calls.push(`proveStep ${id} ${j}`);
      c = { ...(c as ChainChallenge), phase: "Faulted", stage: "None" };
    },
  };
  return { port, calls, advance: (seconds: number) => (now += seconds) };
}

const settings: EngineSettings = {
  enabled: true,
  meanIntervalSeconds: 3600,
  minIntervalSeconds: 60,
  renewBeforeExpirySeconds: 600,
  maxInFlight: 4,
  providers: [],
  openingPatienceSeconds: 5,
  pythonAboveN: 1 << 30,
  python: "python3",
  falseAccusation: "none",
};

const engineOver = (store: ValidatorStore, port: ChallengePort, clock = () => 1_000_000) =>
  createChallengeEngine({
    store,
    port,
    settings,
    log: createLogger({ level: "error" }),
    metrics: createMetrics("ocx_validator_"),
    random: () => 0.5,
    clock,
  });

describe("the challenge engine", () => {
  it("challenges a newly offered GPU once, verifies the response and attests; a restarted engine issues nothing twice", async () => {
    const store = new ValidatorStore(":memory:");
    try {
      const chain = memoryChain({ commit: true });
      await engineOver(store, chain.port).tick();
      expect(chain.calls.filter((c) => c.startsWith("challenge"))).toHaveLength(1);
      expect(chain.calls.some((c) => c.startsWith("attest 1 "))).toBe(true);
      expect(store.getChallenge(1n)?.state).toBe("attested");
      expect(store.movesOf(1n).map((m) => m.to)).toEqual(["committed", "responded", "verifying", "attested"]);
      // Next due after the exponential draw (mean 3600 s, u = 0.5 → 2495 s), before the attestation's renewal margin.
      const target = store.getTarget({ provider, model: "cpu", gpuIndex: 0 });
      expect(target?.attestedUntil).toBeGreaterThan(0);
      expect(target?.nextDueAt).toBeGreaterThan(1_000_000 + 60_000);
      await engineOver(store, chain.port).tick();
      expect(chain.calls.filter((c) => c.startsWith("challenge"))).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it("resumes an issue that a crash interrupted under the same key", async () => {
    const store = new ValidatorStore(":memory:");
    try {
      const chain = memoryChain({ commit: true });
      store.addTarget({ provider, model: "cpu", gpuIndex: 0 }, 0);
      store.updateTarget({ provider, model: "cpu", gpuIndex: 0 }, { issuing: "challenge:before-the-crash" });
      await engineOver(store, chain.port).tick();
      expect(chain.calls[0]).toBe("challenge challenge:before-the-crash");
      expect(store.getChallenge(1n)?.state).toBe("attested");
    } finally {
      store.close();
    }
  });

  it("proves a provider late that never commits", async () => {
    const store = new ValidatorStore(":memory:");
    try {
      const chain = memoryChain({ commit: false });
      let wall = 1_000_000;
      const engine = engineOver(store, chain.port, () => wall);
      await engine.tick();
      expect(store.getChallenge(1n)?.state).toBe("issued");
      chain.advance(1000);
      wall += 1_000_000;
      await engine.tick();
      expect(chain.calls).toContain("proveLate 1");
      expect(store.getChallenge(1n)).toMatchObject({ state: "faulted", fault: "late" });
    } finally {
      store.close();
    }
  });

  it("disputes a wrong product, picks the first disagreeing step and proves its wrong entry", async () => {
    const store = new ValidatorStore(":memory:");
    try {
      const chain = memoryChain({ commit: true, wrongProduct: true });
      const engine = engineOver(store, chain.port);
      await engine.tick();
      expect(chain.calls).toContain("disputeProducts 1 1");
      // L = 2: v_0..v_3; only v_3 = y_1 is wrong, so the step from v_2 to v_3 (s = 2), entry 3.
      expect(chain.calls).toContain("pickStep 1 2");
      expect(chain.calls).toContain("proveStep 1 3");
      expect(store.getChallenge(1n)).toMatchObject({ state: "faulted", fault: "wrong-product" });
    } finally {
      store.close();
    }
  });
});
