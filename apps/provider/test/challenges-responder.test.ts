// The challenge responder against a chain faked only at the level of the contract's answers (a fixed
// seed, an in-memory phase), with the real prover worker, the real SQLite store and the real files:
// an honest challenge goes issued → … → responded and its opening verifies; a restart mid-proof
// resumes; dispute rounds are answered from the saved work; cheaters are caught by verifyOpening.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, createMetrics } from "@ocx/node-kit";
import {
  chainTrace,
  challengeKeys,
  deriveAudit,
  fromHex,
  type Hex,
  rootFromProof,
  rowLeaf,
  sha256,
  toHex,
  verifyOpening,
} from "@ocx/proofs";
import { signAnswer, verifyAnswer } from "@ocx/sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { challengeRoutes } from "../src/challenges/api.js";
import type { ChallengeChain, ChallengeView, DisputeRound, Landed } from "../src/challenges/chain.js";
import { createChallengeResponder } from "../src/challenges/responder.js";
import { ChallengeStore } from "../src/challenges/store.js";
import type { CheatMode, ProverKind } from "../src/challenges/work.js";
import { parseConfig } from "../src/config.js";
import { ProviderStore } from "../src/leases/store.js";

const PROVIDER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as const;
const VALIDATOR = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc" as const;
const blockHash = (n: bigint) => toHex(sha256(new TextEncoder().encode(`block ${n}`)));

/** A contract faked at its answers: one challenge, blocks with fixed hashes, a settable clock. */
function fakeChain(options: { n?: number; steps?: number; deadlineSeconds?: number; k?: number; t?: number } = {}) {
  let head = 10n;
  let clock = 1_000;
  const writes: { fn: string; args: unknown[] }[] = [];
  const view: ChallengeView & { root?: Hex } = {
    phase: "Issued",
    challengedAt: clock,
    k: options.k ?? 8,
    t: options.t ?? 2,
  };
  const land = (fn: string, args: unknown[]): Landed => {
    head += 1n;
    clock += 1;
    writes.push({ fn, args });
    return { blockNumber: head, timestamp: clock };
  };
  const chain: ChallengeChain & { [k: string]: unknown } = {
    address: PROVIDER,
    startBlock: 1n,
    head: async () => head,
    now: async () => clock,
    block: async (n) => (n <= head ? { hash: blockHash(n), timestamp: n === 10n ? 1_000 : clock } : undefined),
    issued: async (from, to) =>
      from <= 10n && 10n <= to
        ? [
            {
              id: 7n,
              validator: VALIDATOR,
              model: "cpu",
              gpuIndex: 0,
              n: options.n ?? 64,
              steps: options.steps ?? 2,
              deadlineAt: 1_000 + (options.deadlineSeconds ?? 60),
              blockNumber: 10n,
            },
          ]
        : [],
    view: async () => ({ ...view }),
    async commit(_id, root) {
      view.phase = "Committed";
      view.respondBy = clock + 60;
      view.root = root;
      const landed = land("commit", [root]);
      view.commitment = { root, block: landed.blockNumber, at: landed.timestamp };
      return landed;
    },
    async respond(_id, products) {
      view.phase = "Responded";
      return land("respond", [products]);
    },
    revealRow: async (_id, row, values, proof) => land("revealRow", [row, values, proof]),
    postTrace: async (_id, hashes) => land("postTrace", [hashes]),
    revealStep: async (_id, vs, vs1) => land("revealStep", [vs, vs1]),
    async claimAbandoned() {
      view.phase = "Dismissed";
      return land("claimAbandoned", []);
    },
  };
  return {
    chain,
    view,
    writes,
    advanceClock: (s: number) => {
      clock += s;
    },
    openRound(round: DisputeRound) {
      view.phase = "Disputed";
      view.round = round;
      view.roundDeadline = clock + 60;
    },
    closeRound() {
      view.round = undefined;
    },
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(fake: ReturnType<typeof fakeChain>, cheat?: CheatMode, dir?: string, prover: ProverKind = "ts") {
  const stateDir = dir ?? (await mkdtemp(path.join(tmpdir(), "ocx-challenges-")));
  if (!dir) cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const providerStore = new ProviderStore(path.join(stateDir, "provider.db"));
  const store = new ChallengeStore(providerStore);
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: "debug", json: true, write: (line: string) => lines.push(JSON.parse(line)) });
  const metrics = createMetrics("ocx_provider_");
  const responder = createChallengeResponder({ chain: fake.chain, store, stateDir, log, metrics, prover, cheat });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await responder.close();
    providerStore.close();
  };
  cleanups.push(close);
  return { stateDir, store, responder, lines, metrics, close };
}

/** Polls until the challenge reaches `state` (or fails after `ms`). */
async function until(ctx: Awaited<ReturnType<typeof setup>>, state: string, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    await ctx.responder.poll();
    await Promise.all(ctx.responder.inFlight());
    const c = ctx.store.get(7n);
    if (c?.state === state) return c;
    if (Date.now() > end) throw new Error(`challenge 7 is ${c?.state} (${c?.message}), not ${state}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function openingVerdict(fake: ReturnType<typeof fakeChain>, ctx: Awaited<ReturnType<typeof setup>>) {
  return (async () => {
    const c = ctx.store.get(7n);
    const challenge = JSON.parse(c?.challenge as string);
    const opening = await ctx.responder.opening(7n);
    expect(opening).toBeDefined();
    const commitBlock = c?.commitBlock as bigint;
    return verifyOpening({
      challenge,
      commitment: { challengeId: challenge.id, root: fake.view.root as Hex },
      checkSeed: blockHash(commitBlock),
      opening: opening as never,
      k: fake.view.k,
      t: fake.view.t,
    });
  })();
}

describe("challenge responder (contract faked at a fixed seed)", () => {
  it("proves an honest challenge, commits before the deadline, responds, and serves an opening that verifies", async () => {
    const fake = fakeChain();
    const ctx = await setup(fake);
    const c = await until(ctx, "responded");
    expect(c.seed).toBe(blockHash(10n));
    expect(fake.writes.map((w) => w.fn)).toEqual(["commit", "respond"]);
    const verdict = await openingVerdict(fake, ctx);
    expect(verdict.ok).toBe(true);
    // The products on-chain are the opening's products, concatenated.
    const opening = await ctx.responder.opening(7n);
    expect(fake.writes[1]?.args[0]).toBe(`0x${opening?.products.map((p) => p.slice(2)).join("")}`);
    // Every move is in the history with its reason, logged and counted.
    expect(ctx.store.history(7n).map((m) => m.to)).toEqual(["seeded", "proving", "committed", "responded"]);
    expect(
      ctx.lines.some((l) => /challenge 7 cpu#0: committed root 0x.* in .* s, deadline 60 s/.test(String(l.message))),
    ).toBe(true);
    expect(await ctx.metrics.metrics()).toMatch(
      /ocx_provider_transitions_total\{machine="challenge",from="proving",to="committed"\} 1/,
    );
    expect(await ctx.responder.opening(8n)).toBeUndefined();
    // The validator attests: the machine ends, and Y is removed (the opening stays).
    expect(existsSync(path.join(ctx.stateDir, "challenges", "7", "y.bin"))).toBe(true);
    fake.view.phase = "Attested";
    await until(ctx, "attested");
    for (let i = 0; i < 100 && existsSync(path.join(ctx.stateDir, "challenges", "7", "y.bin")); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(existsSync(path.join(ctx.stateDir, "challenges", "7", "y.bin"))).toBe(false);
    expect(await ctx.responder.opening(7n)).toBeDefined();
  });

  it("warns when the proof is expected to take longer than the time left before the deadline", async () => {
    const fake = fakeChain();
    const ctx = await setup(fake);
    ctx.store.setMeta("challenge_prover_ops_per_ms", "1"); // a slow prover: 2·2·64³ ops → 1,049 s
    await until(ctx, "responded");
    expect(
      ctx.lines.some(
        (l) =>
          l.level === "warn" &&
          /expected to take 1048\.6 s but 60 s are left before the deadline/.test(String(l.message)),
      ),
    ).toBe(true);
  });

  it("claims the validator's bond when it neither attests nor disputes in time", async () => {
    const fake = fakeChain();
    const ctx = await setup(fake);
    await until(ctx, "responded");
    fake.view.validatorDue = 2_000;
    await ctx.responder.poll();
    expect(fake.writes.map((w) => w.fn)).toEqual(["commit", "respond"]);
    fake.advanceClock(2_000);
    const c = await until(ctx, "dismissed");
    expect(fake.writes.at(-1)?.fn).toBe("claimAbandoned");
    expect(c.message).toMatch(/dismissed/);
  });

  it.skipIf(spawnSync("python3", ["-c", "import numpy"]).status !== 0)(
    "the Python prover (numpy backend, the GPU path's driver) saves Y and opens it after the audit: same bytes, verifies",
    async () => {
      const fake = fakeChain();
      const ctx = await setup(fake, undefined, undefined, "python-numpy");
      await until(ctx, "responded");
      expect((await openingVerdict(fake, ctx)).ok).toBe(true);
      // The same challenge proven by the TypeScript prover commits to the same root.
      const again = fakeChain();
      await until(await setup(again), "responded");
      expect(again.view.root).toBe(fake.view.root);
    },
  );

  it("a restart mid-proof resumes: the new process proves and commits once", async () => {
    const fake = fakeChain({ n: 128 });
    const first = await setup(fake);
    await first.responder.poll(); // issued → seeded → proving; the proof runs in a worker
    expect(first.store.get(7n)?.state).toBe("proving");
    await first.close(); // the worker is ended with the node
    expect(fake.writes).toEqual([]);
    const second = await setup(fake, undefined, first.stateDir);
    await until(second, "responded");
    expect(fake.writes.map((w) => w.fn)).toEqual(["commit", "respond"]);
    // Normally the worker is ended mid-proof and the new process proves again (proving → proving); on
    // a fast machine the proof may have been saved first, and then it is committed without a second proof.
    const moves = second.store.history(7n).map((m) => m.to);
    expect([
      ["seeded", "proving", "proving", "committed", "responded"],
      ["seeded", "proving", "committed", "responded"],
    ]).toContainEqual(moves);
    expect((await openingVerdict(fake, second)).ok).toBe(true);
  });

  it("a restart after the deadline passed marks the challenge expired and says why", async () => {
    const fake = fakeChain({ deadlineSeconds: 5 });
    const first = await setup(fake);
    await first.responder.poll();
    await first.close();
    fake.advanceClock(100);
    const second = await setup(fake, undefined, first.stateDir);
    const c = await until(second, "expired");
    expect(c.message).toMatch(/deadline passed/);
    expect(fake.writes).toEqual([]);
  });

  it("answers demandRow, disputeProducts and pickStep from the saved work", async () => {
    const fake = fakeChain();
    const ctx = await setup(fake);
    const c = await until(ctx, "responded");
    const opening = await ctx.responder.opening(7n);
    const row = opening?.rows[3]?.index as number;
    fake.openRound({ kind: "row", row });
    await until(ctx, "disputed");
    const reveal = fake.writes.at(-1);
    expect(reveal?.fn).toBe("revealRow");
    const [revealedRow, values, proof] = (reveal as { args: unknown[] }).args as [number, Hex, Hex[]];
    expect(revealedRow).toBe(row);
    const leaf = rowLeaf(fromHex(values, 64, "row"));
    expect(
      toHex(
        rootFromProof(
          leaf,
          row,
          proof.map((h) => fromHex(h, 32, "proof")),
        ),
      ),
    ).toBe(fake.view.root);

    // A products dispute over r_1: the trace's hashes, first sha256(r_1), last sha256(y_1).
    fake.openRound({ kind: "trace", t: 1 });
    await ctx.responder.poll();
    const posted = fake.writes.at(-1);
    expect(posted?.fn).toBe("postTrace");
    const hashes = posted?.args[0] as Hex[];
    const challenge = JSON.parse(c.challenge as string);
    const audit = deriveAudit({
      challenge,
      commitment: { challengeId: challenge.id, root: fake.view.root as Hex },
      checkSeed: blockHash(c.commitBlock as bigint),
      k: 8,
      t: 2,
    });
    expect(hashes).toHaveLength(challenge.steps + 2);
    expect(hashes[0]).toBe(toHex(sha256(audit.vectors[1] as Uint8Array)));
    expect(hashes.at(-1)).toBe(toHex(sha256(fromHex(opening?.products[1] as Hex, 64, "y"))));

    fake.openRound({ kind: "step", t: 1, s: 1 });
    await ctx.responder.poll();
    const step = fake.writes.at(-1);
    expect(step?.fn).toBe("revealStep");
    const trace = chainTrace(challengeKeys(challenge), 64, audit.vectors[1] as Uint8Array);
    expect(step?.args).toEqual([toHex(trace[1] as Uint8Array), toHex(trace[2] as Uint8Array)]);

    fake.view.phase = "Dismissed";
    fake.closeRound();
    await until(ctx, "dismissed");
  });

  it.each([
    ["skipping", "row-inconsistent"],
    ["faking", "bad-merkle-proof"],
  ] as const)("the %s cheater's opening is refused by verifyOpening (%s)", async (cheat, fault) => {
    const fake = fakeChain();
    const ctx = await setup(fake, cheat);
    await until(ctx, "responded");
    const verdict = await openingVerdict(fake, ctx);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.fault).toBe(fault);
    expect(ctx.lines.some((l) => String(l.message).includes("CHEATING PROVER ON"))).toBe(true);
  });
});

describe("GET /challenges/:id/opening", () => {
  it("answers 400 for a malformed id, 404 for an unknown one, and a signed Opening for an answered one", async () => {
    const fake = fakeChain();
    const ctx = await setup(fake);
    await until(ctx, "responded");
    const account = privateKeyToAccount(`0x${"11".repeat(32)}`);
    const app = challengeRoutes({
      opening: (id) => ctx.responder.opening(id),
      sign: async (p) => ({ ...(await signAnswer({ account, chainId: 31337, ...p })) }),
    });
    expect((await app.request("/abc/opening")).status).toBe(400);
    const missing = await app.request("/8/opening");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/no opening for challenge 8/);
    const answer = await app.request("http://node/7/opening");
    expect(answer.status).toBe(200);
    const body = await answer.text();
    await verifyAnswer({
      chainId: 31337,
      apiSigner: account.address,
      leaseId: 0n,
      route: "GET /7/opening",
      headers: answer.headers,
      body,
    });
    expect(JSON.parse(body)).toEqual(await ctx.responder.opening(7n));
  });
});

describe("challenges config", () => {
  it("refuses a cheating prover unless OCX_ALLOW_CHEATING=1", () => {
    const text = "challenges:\n  cheat: skipping\n";
    const before = process.env.OCX_ALLOW_CHEATING;
    try {
      delete process.env.OCX_ALLOW_CHEATING;
      expect(() => parseConfig(text, { source: "p.yaml" })).toThrow(
        /challenges.cheat "skipping".*OCX_ALLOW_CHEATING=1/,
      );
      process.env.OCX_ALLOW_CHEATING = "1";
      expect(parseConfig(text).challenges).toEqual({
        enabled: true,
        prover: "auto",
        python: "python3",
        cheat: "skipping",
      });
    } finally {
      if (before === undefined) delete process.env.OCX_ALLOW_CHEATING;
      else process.env.OCX_ALLOW_CHEATING = before;
    }
  });
});
