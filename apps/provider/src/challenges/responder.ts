// The provider's challenge responder: follows ChallengeIssued for its own address, proves each
// challenge once (off the event loop), commits before the deadline, responds with the products,
// serves the opening, and answers the validator's dispute rounds on-chain from its saved work. One
// challenge machine per challenge (machine.ts); every step is driven from the persisted state and
// the chain's phase, so a restarted node picks up where it was.

import { rm } from "node:fs/promises";
import path from "node:path";
import type { Logger, Registry } from "@ocx/node-kit";
import { Gauge } from "@ocx/node-kit";
import {
  type Challenge,
  challengeSize,
  concatBytes,
  deriveAudit,
  fromHex,
  type Hex,
  type Opening,
  sha256,
  toHex,
} from "@ocx/proofs";
import { recordMove, transitionCounter } from "../leases/machine.js";
import type { ChainPhase, ChallengeChain, ChallengeView, DisputeRound, IssuedChallenge } from "./chain.js";
import { CHALLENGE_MACHINE, type ChallengeState, FINAL_CHALLENGE_STATES } from "./machine.js";
import type { ChallengeRecord, ChallengeStore } from "./store.js";
import {
  type CheatMode,
  challengeFromChain,
  openSaved,
  type ProverKind,
  prove,
  readChallenge,
  readOpening,
  readRoot,
  traceOf,
  workDir,
} from "./work.js";

/** Options of {@link createChallengeResponder}. */
export interface ChallengeResponderOptions {
  chain: ChallengeChain;
  store: ChallengeStore;
  stateDir: string;
  log: Logger;
  metrics?: Registry;
  /** The prover; "auto" picks ts for the "cpu" model and python-torch for GPU models. */
  prover: ProverKind | "auto";
  /** Test-only cheating (checked by the config: refused unless OCX_ALLOW_CHEATING=1). */
  cheat?: CheatMode | undefined;
  python?: string;
}

const CURSOR_KEY = "challenge_cursor";
const MAX_RANGE = 2_000n;
/** Local state for each chain phase that ends a challenge. */
const ENDED: Partial<Record<ChainPhase, ChallengeState>> = {
  Attested: "attested",
  Faulted: "faulted",
  Dismissed: "dismissed",
};
/** Operations per millisecond last measured by this node's prover (2·L·n³ / wall time), key in meta. */
const RATE_KEY = "challenge_prover_ops_per_ms";
/** A proof shorter than this does not update the measured rate. */
const MIN_MEASURED_MS = 1_000;
/** Pause before a failed step (a reverted or unreachable write) is tried again. */
const RETRY_MS = 2_000;

/** The responder: `poll()` from the node's timer; `opening(id)` for the API. */
export type ChallengeResponder = ReturnType<typeof createChallengeResponder>;

/**
 * Builds the responder over a chain port and the store. Call `poll()` periodically (it never
 * overlaps itself), `close()` on shutdown (waits for the chain writes in flight, not for a proof).
 * @example
 * const responder = createChallengeResponder({ chain, store, stateDir, log, prover: "ts" });
 * setInterval(() => void responder.poll(), 1000);
 */
export function createChallengeResponder(options: ChallengeResponderOptions) {
  const { chain, store, stateDir, cheat } = options;
  const log = options.log.child({ component: "challenges" });
  const counter = options.metrics ? transitionCounter(options.metrics) : undefined;
  if (options.metrics && !options.metrics.getSingleMetric("ocx_provider_challenges")) {
    new Gauge({
      name: "ocx_provider_challenges",
      help: "Proof-of-compute challenges addressed to this provider, by state",
      labelNames: ["state"],
      registers: [options.metrics],
      collect() {
        this.reset();
        for (const c of store.recent(1000)) this.inc({ state: c.state });
      },
    });
  }
  if (cheat) log.warn("CHEATING PROVER ON (test only): challenges are answered dishonestly", { cheat });
  /** Challenges whose proof runs now: never a second proof of the same challenge. */
  const proving = new Map<string, Promise<void>>();
  /** When a challenge whose last step failed is tried again (ms since the epoch). */
  const retryAt = new Map<string, number>();
  let polling: Promise<void> | undefined;
  let closed = false;
  /** Ends the workers and child processes of the proofs in flight when the node stops. */
  const stopping = new AbortController();
  const signal = stopping.signal;
  /** The prover for a challenge of `model`: the configured one, or by model for "auto". */
  const proverFor = (model: string): ProverKind =>
    options.prover !== "auto" ? options.prover : model === "cpu" ? "ts" : "python-torch";
  const tag = (c: ChallengeRecord) => `challenge ${c.id} ${c.model}#${c.gpuIndex}`;

  const move = (c: ChallengeRecord, to: ChallengeState, reason: string, fields = {}): ChallengeRecord => {
    const moved = store.move(c.id, c.state, to, reason, fields);
    // Y (n² bytes: 22.8 GB for an H100 challenge) is needed only until the challenge ends; the
    // opening stays, for GET /challenges/:id/opening.
    if (FINAL_CHALLENGE_STATES.includes(to)) {
      void rm(path.join(workDir(stateDir, c.id), "y.bin"), { force: true }).catch(() => {});
    }
    recordMove(CHALLENGE_MACHINE, counter, log, {
      from: c.state,
      to,
      reason: `${tag(c)}: ${reason}`,
      fields: { challengeId: c.id.toString() },
    });
    return moved;
  };

  /** New ChallengeIssued events for this provider, from the durable cursor on. */
  const readIssued = async () => {
    const head = await chain.head();
    let cursor = BigInt(store.getMeta(CURSOR_KEY) ?? (chain.startBlock - 1n).toString());
    while (cursor < head && !closed) {
      const to = cursor + MAX_RANGE < head ? cursor + MAX_RANGE : head;
      const events = await chain.issued(cursor + 1n, to);
      for (const e of events) admit(e);
      cursor = to;
      store.setMeta(CURSOR_KEY, cursor.toString());
    }
  };

  const admit = (e: IssuedChallenge) => {
    const isNew = store.insert({
      id: e.id,
      validator: e.validator,
      model: e.model,
      gpuIndex: e.gpuIndex,
      n: e.n,
      steps: e.steps,
      deadlineAt: e.deadlineAt,
      issuedBlock: e.blockNumber,
    });
    if (isNew) {
      log.info(`challenge ${e.id} ${e.model}#${e.gpuIndex}: issued by ${e.validator}`, {
        challengeId: e.id.toString(),
        n: e.n,
        steps: e.steps,
        deadlineAt: e.deadlineAt,
      });
    }
  };

  /** Seconds the proof is expected to take: this node's last measured rate, else the model table's. */
  const expectedSeconds = (c: ChallengeRecord) => {
    const ops = 2 * c.steps * c.n ** 3;
    const rate = Number(store.getMeta(`${RATE_KEY}:${proverFor(c.model)}`) ?? store.getMeta(RATE_KEY) ?? 0);
    if (rate > 0) return ops / rate / 1000;
    try {
      return challengeSize(c.model, { n: c.n, steps: c.steps }).expectedSeconds;
    } catch {
      return 0;
    }
  };

  const advance = async (c: ChallengeRecord): Promise<void> => {
    const now = await chain.now();
    switch (c.state) {
      case "issued": {
        const block = await chain.block(c.issuedBlock);
        if (!block) return;
        const view = await chain.view(c.id);
        if (ENDED[view.phase]) return end(c, view.phase);
        const deadlineSeconds = c.deadlineAt - view.challengedAt;
        const challenge = challengeFromChain({
          seed: block.hash,
          provider: chain.address,
          gpuIndex: c.gpuIndex,
          model: c.model,
          n: c.n,
          steps: c.steps,
          deadlineSeconds,
          workId: view.workId,
        });
        const expected = expectedSeconds(c);
        const left = c.deadlineAt - now;
        if (expected > left) {
          log.warn(
            `${tag(c)}: the proof is expected to take ${expected.toFixed(1)} s but ${left} s are left before the deadline`,
            {
              challengeId: c.id.toString(),
            },
          );
        }
        const seeded = move(
          c,
          "seeded",
          `seed ${block.hash.slice(0, 10)}…; challenge ${challenge.id.slice(0, 10)}… derived, deadline ${deadlineSeconds} s`,
          {
            seed: block.hash,
            issuedAt: block.timestamp,
            challenge: JSON.stringify(challenge),
          },
        );
        return advance(seeded);
      }
      case "seeded":
      case "proving": {
        if (proving.has(c.id.toString())) return;
        const view = await chain.view(c.id);
        if (ENDED[view.phase]) return end(c, view.phase);
        if (view.commitment) {
          // Committed before a restart, the move not yet recorded: take the chain's word for it.
          const { root, block, at } = view.commitment;
          const from = c.state === "seeded" ? move(c, "proving", "the proof had finished before a restart") : c;
          const committed = move(
            from,
            "committed",
            `committed root ${root.slice(0, 10)}… (found on-chain after a restart)`,
            {
              root,
              commitBlock: block,
              committedAt: at,
            },
          );
          return advance(committed);
        }
        if (now > c.deadlineAt) {
          return void move(
            c,
            "expired",
            `the deadline passed (${now - c.deadlineAt} s ago) before the proof finished; the validator can prove it late`,
          );
        }
        // A proof finished before a restart: commit it, do not prove again.
        const root = await readRoot(workDir(stateDir, c.id));
        if (c.state === "proving" && root) return commit(c, root);
        const started = move(
          c,
          "proving",
          c.state === "proving"
            ? "the node restarted mid-proof with nothing saved; proving again while the deadline allows"
            : `proving with the ${cheat ? `${cheat} CHEATER` : proverFor(c.model)} prover, ${c.deadlineAt - now} s to the deadline`,
        );
        startProof(started);
        return;
      }
      case "committed": {
        const view = await chain.view(c.id);
        if (ENDED[view.phase]) return end(c, view.phase);
        if (view.phase === "Responded" || view.phase === "Disputed") {
          return void move(c, "responded", "the products were already on-chain (sent before a restart)");
        }
        if (view.respondBy !== undefined && now > view.respondBy) {
          return void move(c, "expired", `the response window closed ${now - view.respondBy} s ago`);
        }
        const auditBlock = await chain.block(c.commitBlock as bigint);
        if (!auditBlock) return;
        const challenge = JSON.parse(c.challenge as string) as Challenge;
        if (view.workId && view.workId.toLowerCase() !== challenge.id) {
          // The commit fixed the contract's workId: work for another id cannot pass any check.
          log.error(`${tag(c)}: the contract's workId ${view.workId} is not the id ${challenge.id} this node proved`, {
            challengeId: c.id.toString(),
          });
        }
        const { k, t } = view;
        const started = performance.now();
        const opening = await openSaved({
          challenge,
          dir: workDir(stateDir, c.id),
          root: c.root as Hex,
          checkSeed: auditBlock.hash,
          k,
          t,
          cheat,
          signal,
          prover: proverFor(c.model),
          ...(options.python ? { python: options.python } : {}),
        });
        const products = toHex(concatBytes(...opening.products.map((p, i) => fromHex(p, c.n, `product ${i}`))));
        await chain.respond(c.id, products);
        return void move(
          c,
          "responded",
          `responded with ${opening.products.length} product vectors (${c.n * opening.products.length} bytes, sha256 ${toHex(sha256(fromHex(products, undefined, "products"))).slice(0, 10)}…) in ${((performance.now() - started) / 1000).toFixed(1)} s; opening served`,
          { auditSeed: auditBlock.hash, auditId: opening.auditId },
        );
      }
      case "responded":
      case "disputed":
      case "revealing": {
        const view = await chain.view(c.id);
        if (ENDED[view.phase]) return end(c, view.phase);
        if (view.phase !== "Disputed" || !view.round) {
          if (c.state === "revealing") move(c, "disputed", "answered; waiting for the validator");
          if (view.validatorDue !== undefined && now > view.validatorDue) {
            // The validator let its turn pass: its bond is the provider's (no attestation is written).
            await chain.claimAbandoned(c.id);
            log.info(`${tag(c)}: the validator let its turn pass ${now - view.validatorDue} s ago; claimed its bond`, {
              challengeId: c.id.toString(),
            });
            // The next poll sees the challenge Dismissed and ends it.
          }
          return;
        }
        const current =
          c.state === "responded"
            ? move(c, "disputed", `the validator opened a round: ${describeRound(view.round)}`)
            : c;
        if (view.roundDeadline !== undefined && now > view.roundDeadline) {
          return void move(
            current,
            "expired",
            `the ${describeRound(view.round)} round's window closed ${now - view.roundDeadline} s ago`,
          );
        }
        const answering =
          current.state === "revealing"
            ? current
            : move(current, "revealing", `answering ${describeRound(view.round)}`);
        await answer(answering, view.round, view);
        move(answering, "disputed", `answered ${describeRound(view.round)} on-chain`);
        return;
      }
      default:
        return;
    }
  };

  const end = (c: ChallengeRecord, phase: ChainPhase) => {
    const to = ENDED[phase] as ChallengeState;
    const reasons: Partial<Record<ChallengeState, string>> = {
      attested: "the validator verified the opening and attested",
      faulted: "the contract recorded a fault against this provider",
      dismissed: "the challenge was dismissed: the accusation failed or was abandoned",
    };
    (to === "faulted" ? log.warn : log.info).call(log, `${tag(c)}: ${reasons[to]}`, { challengeId: c.id.toString() });
    move(c, to, reasons[to] as string);
  };

  const startProof = (c: ChallengeRecord) => {
    const key = c.id.toString();
    const challenge = JSON.parse(c.challenge as string);
    const run = (async () => {
      const result = await prove({
        challenge,
        dir: workDir(stateDir, c.id),
        prover: proverFor(c.model),
        cheat,
        signal,
        ...(options.python ? { python: options.python } : {}),
      });
      if (closed) return; // saved: a restarted node commits it (state proving with a saved root)
      // Only proofs long enough that starting the worker or Python does not dominate say what the prover does.
      if (!cheat && result.ms >= MIN_MEASURED_MS) {
        store.setMeta(`${RATE_KEY}:${proverFor(c.model)}`, String((2 * c.steps * c.n ** 3) / result.ms));
      }
      store.update(c.id, { proveMs: Math.round(result.ms) });
      const now = await chain.now();
      const current = store.get(c.id) as ChallengeRecord;
      if (now > c.deadlineAt) {
        move(
          current,
          "expired",
          `the proof took ${(result.ms / 1000).toFixed(1)} s and finished ${now - c.deadlineAt} s after the deadline; not committed`,
        );
        return;
      }
      await commit(current, result.root);
    })()
      .catch((error: Error) =>
        log.warn(`${tag(c)}: the proof or its commitment failed; will retry while the deadline allows`, {
          challengeId: key,
          error: reasonOf(error),
        }),
      )
      .finally(() => proving.delete(key));
    proving.set(key, run);
  };

  const commit = async (c: ChallengeRecord, root: Hex) => {
    const receipt = await chain.commit(c.id, root);
    const proveMs = store.get(c.id)?.proveMs ?? 0;
    move(
      c,
      "committed",
      `committed root ${root.slice(0, 10)}… in ${(proveMs / 1000).toFixed(1)} s, deadline ${c.deadlineAt - (c.issuedAt ?? c.deadlineAt)} s (${c.deadlineAt - receipt.timestamp} s to spare)`,
      { root, commitBlock: receipt.blockNumber, committedAt: receipt.timestamp },
    );
    const next = store.get(c.id) as ChallengeRecord;
    // Respond right away: the audit seed is the commit block's hash, which exists now.
    await advance(next).catch((error: Error) =>
      log.warn(`${tag(c)}: responding failed; will retry`, { error: reasonOf(error) }),
    );
  };

  const answer = async (c: ChallengeRecord, round: DisputeRound, view: ChallengeView) => {
    const dir = workDir(stateDir, c.id);
    const opening = (await readOpening(dir)) as Opening;
    if (round.kind === "row") {
      const opened = opening.rows.find((r) => r.index === round.row);
      if (!opened)
        throw new Error(`row ${round.row} is not among the audit's rows; the contract should not have asked for it`);
      await chain.revealRow(c.id, round.row, opened.values, opened.proof);
      return;
    }
    const challenge = (await readChallenge(dir)) ?? JSON.parse(c.challenge as string);
    const { k, t } = view;
    const audit = deriveAudit({
      challenge,
      commitment: { challengeId: challenge.id, root: c.root as Hex },
      checkSeed: c.auditSeed as Hex,
      k,
      t,
    });
    const vector = audit.vectors[round.t];
    if (!vector) throw new Error(`the round names vector ${round.t}, the audit has ${audit.vectors.length}`);
    const trace = await traceOf(challenge, toHex(vector), signal);
    if (round.kind === "trace") {
      await chain.postTrace(
        c.id,
        trace.map((v) => toHex(sha256(fromHex(v, undefined, "trace vector")))),
      );
      return;
    }
    const vs = trace[round.s];
    const vs1 = trace[round.s + 1];
    if (!vs || !vs1) throw new Error(`step ${round.s} is outside the trace of ${trace.length} vectors`);
    await chain.revealStep(c.id, vs, vs1);
  };

  const pollOnce = async () => {
    await readIssued();
    for (const c of store.live()) {
      if (closed) return;
      const key = c.id.toString();
      if ((retryAt.get(key) ?? 0) > Date.now()) continue;
      await advance(c).then(
        () => retryAt.delete(key),
        (error: Error) => {
          retryAt.set(key, Date.now() + RETRY_MS);
          log.warn(`${tag(c)}: ${c.state}: a step failed; will retry in ${RETRY_MS / 1000} s`, {
            challengeId: key,
            error: reasonOf(error),
          });
        },
      );
    }
  };

  return {
    /** Reads new challenges and moves every live one as far as it can go now. Never overlaps itself. */
    poll(): Promise<void> {
      polling ??= pollOnce().finally(() => {
        polling = undefined;
      });
      return polling;
    },
    /**
     * The opening served at GET /challenges/:id/opening, or undefined when this node has none for
     * `id` (unknown id, or not responded yet). One primary-key read and one small file.
     */
    async opening(id: bigint): Promise<Opening | undefined> {
      const c = store.get(id);
      if (!c?.auditId) return undefined;
      return readOpening(workDir(stateDir, id));
    },
    /** What /status shows: the live challenges and the latest ended ones. */
    status() {
      return store.recent(20).map((c) => ({
        id: c.id.toString(),
        model: c.model,
        gpuIndex: c.gpuIndex,
        state: c.state,
        message: c.message,
        deadlineAt: c.deadlineAt,
        ...(c.root ? { root: c.root } : {}),
        ...(c.proveMs !== null ? { proveMs: c.proveMs } : {}),
      }));
    },
    /** Stops polling and ends the proofs in flight (a restarted node proves again while the deadline allows). */
    async close() {
      closed = true;
      stopping.abort();
      await polling?.catch(() => {});
      await Promise.all(proving.values());
    },
    /** The proofs in flight, for tests. */
    inFlight: () => [...proving.values()],
  };
}

function describeRound(round: DisputeRound): string {
  if (round.kind === "row") return `demandRow(${round.row})`;
  if (round.kind === "trace") return `disputeProducts(t=${round.t})`;
  return `pickStep(t=${round.t}, s=${round.s})`;
}

/** The first line of an error and, for a contract revert, the decoded error viem names further down. */
function reasonOf(error: Error): string {
  const lines = error.message.split("\n");
  const decoded = lines.map((l) => l.trim()).find((l) => /^Error: /.test(l));
  return decoded ? `${lines[0]} ${decoded}` : (lines[0] ?? String(error));
}
