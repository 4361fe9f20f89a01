// The challenge loop: finds the GPUs offered on the market, challenges each when first seen and then
// at random intervals, and drives every challenge of this validator through its machine from the
// chain's state — verify and attest, or prove the fault. Each step re-reads the challenge from the
// chain and every write goes through the crash-safe sender under a key naming its purpose, so a
// restart (even after kill -9) resumes each challenge where the chain says it is, without a second
// transaction.
import { Counter, Gauge, Histogram, type Logger, type Registry, recordMove } from "@ocx/node-kit";
import { chainTrace, challengeKeys, traceHashes, traceStepEntry } from "@ocx/proofs";
import type { FalseAccusation } from "../config.js";
import type { ChallengeRecord, ValidatorStore } from "../store.js";
import { targetKey } from "../store.js";
import { CHALLENGE_MACHINE, type ChallengeState, FINAL_STATES, transitionCounter } from "./machine.js";
import type { ChainChallenge, ChallengePort } from "./port.js";
import { nextIntervalSeconds, type Target, targetsOfOffer } from "./schedule.js";
import { auditOf, challengeOf, decide } from "./verify.js";

/** What the engine is configured with (the `challenges` and `verify` sections of the config). */
export interface EngineSettings {
  enabled: boolean;
  meanIntervalSeconds: number;
  minIntervalSeconds: number;
  renewBeforeExpirySeconds: number;
  maxInFlight: number;
  providers: string[];
  openingPatienceSeconds: number;
  pythonAboveN: number;
  python: string;
  falseAccusation: FalseAccusation;
}

/** The challenge engine: `tick()` from the daemon's timer. */
export interface ChallengeEngine {
  /** One pass: scan offers, issue what is due, advance every open challenge. Never runs twice at once. */
  tick(): Promise<void>;
  /** For /status. */
  status(): Record<string, unknown>;
}

/**
 * Builds the engine over a store and a port.
 * @example
 * const engine = createChallengeEngine({ store, port, settings, log, metrics });
 * setInterval(() => void engine.tick(), 1000);
 */
export function createChallengeEngine(options: {
  store: ValidatorStore;
  port: ChallengePort;
  settings: EngineSettings;
  log: Logger;
  metrics: Registry;
  /** Uniform draws in [0, 1) (tests pass a fixed sequence). */
  random?: () => number;
  /** Milliseconds since the epoch (tests move it). */
  clock?: () => number;
}): ChallengeEngine {
  const { store, port, settings, log, metrics } = options;
  const random = options.random ?? Math.random;
  const clock = options.clock ?? Date.now;
  const moves = transitionCounter(metrics);
  const issued = counter(metrics, "ocx_validator_challenges_issued_total", "Challenges issued, by model", ["model"]);
  const outcomes = counter(
    metrics,
    "ocx_validator_challenge_outcomes_total",
    "Challenges ended, by outcome and fault",
    ["outcome", "fault"],
  );
  const verifySeconds =
    (metrics.getSingleMetric("ocx_validator_verify_seconds") as Histogram<"model"> | undefined) ??
    new Histogram({
      name: "ocx_validator_verify_seconds",
      help: "Time to check one opening, by model",
      labelNames: ["model"],
      buckets: [0.001, 0.01, 0.1, 1, 10, 60, 600],
      registers: [metrics],
    });
  if (!metrics.getSingleMetric("ocx_validator_challenges")) {
    new Gauge({
      name: "ocx_validator_challenges",
      help: "Challenges of this validator by state",
      labelNames: ["state"],
      registers: [metrics],
      collect() {
        this.reset();
        for (const [state, n] of Object.entries(store.countByState())) this.set({ state }, n);
      },
    });
  }
  let busy = false;
  let lastError: string | undefined;

  // Chain time can lag on an idle chain (a new block gets the wall clock): whichever is later.
  const nowSeconds = async () => Math.max(await port.now(), Math.floor(clock() / 1000));

  const move = (
    record: ChallengeRecord,
    to: ChallengeState,
    detail: string,
    fields: Parameters<ValidatorStore["moveChallenge"]>[4] = {},
  ): ChallengeRecord => {
    const meaning = CHALLENGE_MACHINE.check(record.id.toString(), record.state, to);
    const reason = detail ? `${meaning}: ${detail}` : meaning;
    store.moveChallenge(record.id, record.state, to, reason, fields);
    recordMove(CHALLENGE_MACHINE, moves, log, {
      from: record.state,
      to,
      reason: `challenge ${record.id} ${short(record)}: ${reason}`,
      fields: { challenge: record.id.toString() },
    });
    const next = store.getChallenge(record.id) as ChallengeRecord;
    if (to === "attested" || to === "faulted" || to === "dismissed") {
      outcomes.inc({ outcome: to, fault: next.fault ?? "" });
    }
    return next;
  };

  /**
   * True once the chain's time is past `deadline` (what the contract will check). When only the wall
   * clock is past it — an idle dev chain mines no block until a transaction comes — asks the chain to
   * mine one (evm_mine); a real chain refuses that, and its next block comes anyway.
   */
  async function passed(deadline: number): Promise<boolean> {
    if ((await port.now()) > deadline) return true;
    if (clock() / 1000 > deadline + 1) await port.mineBlock().catch(() => {});
    return false;
  }

  /** Finds GPUs offered for the first time: each is due at once. */
  async function scan(): Promise<void> {
    const only = new Set(settings.providers.map((p) => p.toLowerCase()));
    const offers = await port.activeOffers();
    const now = clock();
    for (const offer of offers) {
      for (const target of targetsOfOffer(offer)) {
        if (only.size > 0 && !only.has(target.provider)) continue;
        if (target.provider === port.address.toLowerCase()) continue;
        if (store.addTarget(target, now)) log.info(`first saw ${targetKey(target)} offered: challenging it`);
      }
    }
  }

  /** Issues the challenges that are due, within maxInFlight. */
  async function issueDue(): Promise<void> {
    const open = store.openChallenges();
    const busyTargets = new Set(open.map((c) => targetKey(c)));
    let inFlight = open.length;
    const now = clock();
    for (const target of store.allTargets()) {
      // A challenge whose transaction may have been sent before a crash is finished first, under its key.
      const due = target.issuing !== null || target.nextDueAt <= now;
      if (!due || busyTargets.has(targetKey(target))) continue;
      if (target.issuing === null && inFlight >= settings.maxInFlight) break;
      const key = target.issuing ?? `challenge:${targetKey(target)}:${now}`;
      if (target.issuing === null) store.updateTarget(target, { issuing: key });
      try {
        const { id, deadlineAt } = await port.challenge(key, target);
        const seconds = deadlineAt - (await nowSeconds());
        store.insertChallenge(
          {
            id,
            provider: target.provider,
            model: target.model,
            gpuIndex: target.gpuIndex,
            deadlineAt,
            reason: `challenged; the commitment is due by ${new Date(deadlineAt * 1000).toISOString()}`,
          },
          clock(),
        );
        // Due again after the mean interval unless the end of this challenge reschedules it sooner.
        store.updateTarget(target, {
          issuing: null,
          lastChallengeId: id,
          nextDueAt: clock() + settings.meanIntervalSeconds * 1000,
        });
        issued.inc({ model: target.model });
        inFlight++;
        log.info(
          `challenged ${shortAddress(target.provider)} ${target.model}#${target.gpuIndex}: deadline ${seconds} s`,
          {
            challenge: id.toString(),
          },
        );
      } catch (error) {
        // Not sent (a refusal in simulation: jailed provider, unknown model, not active): try later.
        store.updateTarget(target, {
          issuing: null,
          nextDueAt: clock() + Math.max(settings.minIntervalSeconds, 30) * 1000,
        });
        log.warn(`could not challenge ${targetKey(target)}; will try again later`, {
          error: firstLine(error),
        });
      }
    }
  }

  /** After a challenge ends: when this GPU is next due, and until when it is attested. */
  async function reschedule(record: ChallengeRecord): Promise<void> {
    const target: Target = { provider: record.provider, model: record.model, gpuIndex: record.gpuIndex };
    if (!store.getTarget(target)) store.addTarget(target, clock());
    const now = await nowSeconds();
    const attestedUntil = await port.attestationExpiry(target).catch(() => 0);
    const seconds = nextIntervalSeconds({
      meanSeconds: settings.meanIntervalSeconds,
      minSeconds: settings.minIntervalSeconds,
      u: random(),
      ...(attestedUntil > now
        ? { secondsToExpiry: attestedUntil - now, renewBeforeSeconds: settings.renewBeforeExpirySeconds }
        : {}),
    });
    store.updateTarget(target, { attestedUntil, nextDueAt: clock() + Math.round(seconds * 1000) });
    log.debug("next challenge scheduled", { target: targetKey(target), inSeconds: Math.round(seconds) });
  }

  /** Moves a challenge to a final state the chain already shows. */
  function settleFromChain(record: ChallengeRecord, c: ChainChallenge): ChallengeRecord | undefined {
    if (c.phase === "Faulted" && record.state !== "faulted")
      return move(record, "faulted", `on-chain phase ${c.phase}`);
    if (c.phase === "Dismissed" && record.state !== "dismissed")
      return move(record, "dismissed", `on-chain phase ${c.phase}`);
    return undefined;
  }

  /** One step of one challenge; returns once nothing more can be done now. */
  async function advance(initial: ChallengeRecord): Promise<void> {
    let record = initial;
    for (let guard = 0; guard < 8; guard++) {
      const c = await port.getChallenge(record.id);
      const now = await nowSeconds();
      record = settleFromChain(record, c) ?? record;
      if (FINAL_STATES.includes(record.state)) {
        await reschedule(record);
        return;
      }
      switch (record.state) {
        case "issued": {
          if (c.phase === "Committed" || c.phase === "Responded" || c.phase === "Disputed") {
            record = move(
              record,
              "committed",
              `root ${c.root.slice(0, 10)}… ${c.committedAt - c.challengedAt} s after the challenge`,
            );
            continue;
          }
          if (c.phase === "Issued" && (await passed(c.deadlineAt))) {
            record = move(record, "late", `no commitment by ${c.deadlineAt} (now ${now})`, { fault: "late" });
            continue;
          }
          return;
        }
        case "committed": {
          if (c.phase === "Responded" || c.phase === "Disputed") {
            record = move(record, "responded", `products hash ${c.productsHash.slice(0, 10)}…`);
            continue;
          }
          if (c.phase === "Committed" && (await passed(c.roundDeadline))) {
            record = move(record, "late", `no response by ${c.roundDeadline} (now ${now})`, { fault: "late" });
            continue;
          }
          return;
        }
        case "responded":
        case "verifying": {
          if (c.phase === "Attested") {
            // Attested on-chain before this process recorded it (a restart right after the transaction).
            record = move(record.state === "responded" ? move(record, "verifying", "") : record, "attested", "");
            continue;
          }
          if (c.phase === "Disputed") {
            const from = record.state === "responded" ? record : move(record, "responded", "a dispute is already open");
            record = move(from, "disputing", `stage ${c.stage}`);
            continue;
          }
          if (c.phase !== "Responded") return;
          const done = await check(record, c, now);
          if (!done) return;
          record = done;
          continue;
        }
        case "disputing": {
          const acted = await dispute(record, c);
          if (!acted) return;
          record = acted;
          continue;
        }
        case "late": {
          await port.proveLate(record.id);
          log.info(`proved challenge ${record.id} ${short(record)} late on-chain`);
          continue; // the next read shows Faulted
        }
        default:
          return;
      }
    }
  }

  /** Fetches and checks the opening; attests or opens the fraud proof. Returns the moved record, or undefined to wait. */
  async function check(record: ChallengeRecord, c: ChainChallenge, now: number): Promise<ChallengeRecord | undefined> {
    const challenge = challengeOf(c);
    const audit = auditOf(c, challenge, await port.blockHash(c.commitBlock));
    const answer = await port.fetchOpening(c.provider, c.id);
    if (!answer.ok && answer.retry) {
      // Not there yet: ask again, but leave time to demand a row before the window closes.
      const askedAt = record.openingAskedAt ?? clock();
      if (record.openingAskedAt === null) store.noteChallenge(record.id, { openingAskedAt: askedAt });
      const patience = Math.min(settings.openingPatienceSeconds, Math.max(0, (c.roundDeadline - now) / 2));
      if ((clock() - askedAt) / 1000 < patience) {
        log.debug("opening not available yet; asking again", {
          challenge: record.id.toString(),
          reason: answer.reason,
        });
        return undefined;
      }
    }
    const verifying =
      record.state === "responded"
        ? move(record, "verifying", answer.ok ? "signed opening received" : `no valid opening: ${answer.reason}`)
        : record;
    const started = performance.now();
    const decision = await decide({
      chain: c,
      challenge,
      audit,
      products: await port.productsOf(c.id),
      answer,
      pythonAboveN: settings.pythonAboveN,
      python: settings.python,
      random,
    });
    verifySeconds.observe({ model: c.model }, (performance.now() - started) / 1000);
    if (decision.action === "attest" && settings.falseAccusation !== "none") {
      // Test hook (refused by the config loader unless explicitly allowed): accuse an honest provider.
      log.warn(
        `TEST HOOK: falsely accusing ${short(record)} (${settings.falseAccusation}) although its proof verified`,
      );
      if (settings.falseAccusation === "demand-row") {
        const row = audit.rows[0] as number;
        await port.demandRow(c.id, row);
        return move(verifying, "disputing", `test hook: demanded row ${row} of an honest provider`, {
          fault: "false-accusation",
          dispute: { kind: "row", row },
        });
      }
      await port.disputeProducts(c.id, 0);
      return move(verifying, "disputing", "test hook: disputed y_0 of an honest provider", {
        fault: "false-accusation",
        dispute: { kind: "products", t: 0 },
      });
    }
    switch (decision.action) {
      case "attest": {
        await port.attest(c.id, decision.score);
        return move(
          verifying,
          "attested",
          `score ${decision.score} bp of the expected time, checked in ${decision.verifyMs.toFixed(1)} ms`,
          { score: decision.score },
        );
      }
      case "demand-row": {
        await port.demandRow(c.id, decision.row);
        return move(verifying, "disputing", `${decision.fault}: ${decision.message}; demanded row ${decision.row}`, {
          fault: decision.fault,
          dispute: { kind: "row", row: decision.row },
        });
      }
      case "dispute-products": {
        await port.disputeProducts(c.id, decision.t);
        return move(verifying, "disputing", `${decision.message}; disputed y_${decision.t}`, {
          fault: decision.fault,
          dispute: { kind: "products", t: decision.t },
        });
      }
    }
  }

  /** One round of an open dispute: our move when it is our turn, proveLate when the provider missed its own. */
  async function dispute(record: ChallengeRecord, c: ChainChallenge): Promise<ChallengeRecord | undefined> {
    if (c.phase === "Attested") return undefined; // cannot happen from a dispute; nothing to do
    if (c.phase !== "Disputed") return undefined;
    const providersTurn = c.stage === "RowDemanded" || c.stage === "TraceDue" || c.stage === "StepRevealDue";
    if (providersTurn) {
      if (await passed(c.roundDeadline)) {
        return move(record, "late", `the provider did not answer ${c.stage} by ${c.roundDeadline}`, {
          fault: record.fault ?? "unrevealed",
        });
      }
      return undefined;
    }
    const challenge = challengeOf(c);
    const audit = auditOf(c, challenge, await port.blockHash(c.commitBlock));
    const keys = challengeKeys(challenge);
    const t = c.disputedVector;
    if (c.stage === "StepPickDue") {
      const trace = chainTrace(keys, c.n, audit.vectors[t] as Uint8Array);
      const ours = traceHashes(trace);
      const posted = await port.traceOf(c.id);
      const first = posted.findIndex((h, i) => h.toLowerCase() !== ours[i]?.toLowerCase());
      // The first disagreeing vector is v_{s+1}; we agree with v_s. An honest trace agrees everywhere
      // (only a forced false accusation gets here): pick the last step.
      const s = first > 0 ? first - 1 : posted.length - 2;
      await port.pickStep(c.id, s);
      return move(record, "disputing", `picked step ${s}: the provider's v_${s + 1} differs from the chain's`, {
        dispute: { kind: "products", t, step: s },
      });
    }
    if (c.stage === "StepProofDue") {
      const revealed = await port.revealedStep(c.id);
      if (!revealed) return undefined;
      let j = 0;
      for (let i = 0; i < c.n; i++) {
        if (traceStepEntry(keys, c.n, revealed.s, revealed.vs, i) !== revealed.vs1[i]) {
          j = i;
          break;
        }
      }
      await port.proveStep(c.id, j);
      return move(record, "disputing", `proved entry ${j} of step ${revealed.s} wrong`, {
        dispute: { kind: "products", t, step: revealed.s, entry: j },
      });
    }
    return undefined;
  }

  return {
    async tick() {
      if (busy) return;
      busy = true;
      try {
        if (settings.enabled) {
          await scan();
          await issueDue();
        }
        for (const record of store.openChallenges()) {
          try {
            await advance(record);
          } catch (error) {
            lastError = `challenge ${record.id}: ${firstLine(error)}`;
            log.warn(`challenge ${record.id} ${short(record)}: a step failed; will retry`, { error: firstLine(error) });
          }
        }
      } catch (error) {
        lastError = firstLine(error);
        log.warn("the challenge loop failed; will retry", { error: lastError });
      } finally {
        busy = false;
      }
    },
    status() {
      return {
        targets: store.allTargets().map((t) => ({
          target: targetKey(t),
          nextDueAt: t.nextDueAt ? new Date(t.nextDueAt).toISOString() : "now",
          attestedUntil: t.attestedUntil ? new Date(t.attestedUntil * 1000).toISOString() : null,
          lastChallengeId: t.lastChallengeId?.toString() ?? null,
        })),
        challenges: store.allChallenges(50).map((c) => ({
          id: c.id.toString(),
          target: targetKey(c),
          state: c.state,
          reason: c.reason,
          fault: c.fault,
          score: c.score,
        })),
        byState: store.countByState(),
        ...(lastError ? { lastError } : {}),
      };
    },
  };
}

function counter<L extends string>(metrics: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return (
    (metrics.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames, registers: [metrics] })
  );
}

const shortAddress = (a: string) => `${a.slice(0, 7)}…`;
const short = (t: { provider: string; model: string; gpuIndex: number }) =>
  `${shortAddress(t.provider)} ${t.model}#${t.gpuIndex}`;
const firstLine = (error: unknown) => ((error as Error)?.message ?? String(error)).split("\n")[0] as string;
