// The spot-check loop: watch completed leases, keep the deterministic ones, open a check, learn from the seed
// whether the lease is selected, re-execute, submit the result hash, finalize. Everything it needs to resume is on
// the chain (a lease's check, this validator's vote), so a restart picks up where the last process stopped.
import type { Logger } from "@ocx/node-kit";
import {
  CheckState,
  checkStateName,
  finalizeSpotCheckSync,
  fixSpotCheckSelectionSync,
  getLease,
  getManifestHash,
  getProvider,
  getSpotCheck,
  getSpotCheckOfLease,
  getSpotCheckParameters,
  getSpotCheckVote,
  LeaseState,
  type Manifest,
  marketplaceAbi,
  openSpotCheckSync,
  spotChecksAbi,
  submitSpotCheckSync,
} from "@ocx/sdk";
import { type Address, type Hex, isAddressEqual, zeroHash } from "viem";
import type { ChainAccess } from "../chain/client.js";
import type { BundleSource, CompletedLease, ReExecutor } from "./ports.js";

/** The vote of a re-executor that found the opener's quote of the provider's result wrong (SpotChecks.QUOTE_WRONG). */
export const QUOTE_WRONG: Hex = `0x${"f".repeat(64)}`;

/** Options of the spot-check engine. */
export interface SpotCheckEngineOptions {
  chain: Pick<ChainAccess, "deployment" | "reader" | "writer" | "address">;
  bundles: BundleSource;
  reExecutor: ReExecutor;
  log: Logger;
  /** Check only these providers' leases (all when omitted). */
  providers?: readonly Address[];
  /** Re-executions of one check tried at most this many times before the loop gives up on it. */
  maxAttempts?: number;
}

/** What the loop has done, for /status. */
export interface SpotCheckStatus {
  enabled: boolean;
  reason?: string;
  leasesSeen: number;
  opened: number;
  submitted: number;
  outcomes: Record<string, number>;
  lastError?: string;
}

interface Watched {
  lease: CompletedLease;
  manifest?: Manifest;
  done: boolean;
}

/**
 * Builds the engine; `tick()` runs one pass (never two at once).
 * @example
 * const engine = createSpotCheckEngine({ chain, bundles, reExecutor, log });
 * await engine.tick();
 */
export function createSpotCheckEngine(options: SpotCheckEngineOptions) {
  const { chain, bundles, reExecutor, log } = options;
  const spotChecks = (chain.deployment as { spotChecks?: Address }).spotChecks;
  const deployment = { ...chain.deployment, spotChecks: spotChecks as Address };
  const status: SpotCheckStatus = {
    enabled: spotChecks !== undefined,
    ...(spotChecks === undefined ? { reason: "the deployment has no SpotChecks contract" } : {}),
    leasesSeen: 0,
    opened: 0,
    submitted: 0,
    outcomes: {},
  };
  const leases = new Map<bigint, Watched>();
  const checks = new Map<bigint, { leaseId: bigint; attempts: number }>();
  /** The manifest hash of every lease with a check (checked lease → its job). */
  const checkedJobs = new Map<bigint, Hex>();
  let leaseCursor = BigInt(chain.deployment.startBlock);
  let checkCursor = BigInt(chain.deployment.startBlock);
  let running: Promise<void> | undefined;
  const maxAttempts = options.maxAttempts ?? 3;
  const wanted = (provider: Address) =>
    !isAddressEqual(provider, chain.address) &&
    (!options.providers || options.providers.some((p) => isAddressEqual(p, provider)));

  /** The chain's view of a completed lease: provider, endpoint, manifest hash; undefined when not ours to check. */
  const describe = async (leaseId: bigint, resultHash: Hex): Promise<CompletedLease | undefined> => {
    const lease = await getLease(chain.reader, { deployment, leaseId });
    if (lease.state !== LeaseState.Closed || !wanted(lease.provider)) return undefined;
    const [record, manifestHash] = await Promise.all([
      getProvider(chain.reader, { deployment, provider: lease.provider }),
      getManifestHash(chain.reader, { deployment, leaseId }),
    ]);
    return { leaseId, provider: lease.provider, endpoint: record.endpoint, manifestHash, resultHash };
  };

  /**
   * Reads new SpotCheckOpened, then LeaseCompleted events. The jobs (manifest hashes) under check are remembered:
   * a re-execution is a lease of the same job, and checking it in turn would check the same job again, forever.
   */
  const poll = async () => {
    const latest = await chain.reader.getBlockNumber();
    if (latest < leaseCursor) return;
    const opened = await chain.reader.getContractEvents({
      address: spotChecks as Address,
      abi: spotChecksAbi,
      eventName: "SpotCheckOpened",
      fromBlock: checkCursor,
      toBlock: latest,
      strict: true,
    });
    for (const log of opened) {
      if (!checkedJobs.has(log.args.leaseId)) {
        checkedJobs.set(
          log.args.leaseId,
          await getManifestHash(chain.reader, { deployment, leaseId: log.args.leaseId }),
        );
      }
      if (!checks.has(log.args.checkId) && wanted(log.args.provider)) {
        checks.set(log.args.checkId, { leaseId: log.args.leaseId, attempts: 0 });
      }
    }
    checkCursor = latest + 1n;
    const completed = await chain.reader.getContractEvents({
      address: deployment.marketplace,
      abi: marketplaceAbi,
      eventName: "LeaseCompleted",
      fromBlock: leaseCursor,
      toBlock: latest,
      strict: true,
    });
    for (const log of completed) {
      if (leases.has(log.args.leaseId)) continue;
      const lease = await describe(log.args.leaseId, log.args.resultHash);
      status.leasesSeen += 1;
      if (lease) leases.set(lease.leaseId, { lease, done: false });
    }
    leaseCursor = latest + 1n;
  };

  /** Opens a check of a deterministic lease nobody checks yet. */
  const consider = async (watched: Watched) => {
    const { lease } = watched;
    watched.done = true;
    const existing = await getSpotCheckOfLease(chain.reader, { deployment, leaseId: lease.leaseId });
    if (existing !== 0n) return; // someone opened it: the SpotCheckOpened event brings it in
    if ([...checkedJobs.values()].includes(lease.manifestHash)) {
      log.debug("spot check: the same job is already checked (a re-execution, or a repeat)", {
        leaseId: lease.leaseId.toString(),
      });
      return;
    }
    const got = await bundles.manifest(lease);
    if (!got.manifest) {
      log.debug("spot check: lease not checked", { leaseId: lease.leaseId.toString(), reason: got.reason });
      return;
    }
    watched.manifest = got.manifest;
    const { openWindow } = await getSpotCheckParameters(chain.reader, { deployment });
    const closed = await getLease(chain.reader, { deployment, leaseId: lease.leaseId });
    const now = (await chain.reader.getBlock()).timestamp;
    if (now > BigInt(closed.settledAt) + BigInt(openWindow)) {
      log.info("spot check: lease closed too long ago to check", { leaseId: lease.leaseId.toString() });
      return;
    }
    // The contract samples by the opening block's hash at the provider's rate; the daemon opens every candidate.
    const { event } = await openSpotCheckSync(chain.writer(`spotcheck-open:${lease.leaseId}`), {
      deployment,
      leaseId: lease.leaseId,
      resultHash: lease.resultHash,
    });
    status.opened += 1;
    checks.set(event.checkId, { leaseId: lease.leaseId, attempts: 0 });
    checkedJobs.set(lease.leaseId, lease.manifestHash);
    log.info("spot check opened", {
      checkId: event.checkId.toString(),
      leaseId: lease.leaseId.toString(),
      provider: lease.provider,
      ratePpm: event.ratePpm,
      why: "a completed deterministic lease",
    });
  };

  /** Votes on an open check when this validator has not yet, then finalizes it when it can be. */
  const participate = async (checkId: bigint, entry: { leaseId: bigint; attempts: number }) => {
    let check = await getSpotCheck(chain.reader, { deployment, checkId });
    if (check.state !== CheckState.Open) {
      checks.delete(checkId);
      return;
    }
    if (!check.selected) {
      const block = await chain.reader.getBlockNumber();
      if (block <= check.openedBlock) return;
      const fixed = await fixSpotCheckSelectionSync(chain.writer(`spotcheck-seed:${checkId}`), { deployment, checkId });
      if (fixed.eventName === "SpotCheckSkipped") {
        log.info("spot check skipped: the seed did not select the lease at the provider's rate", {
          checkId: checkId.toString(),
          ratePpm: check.ratePpm,
        });
        status.outcomes.Skipped = (status.outcomes.Skipped ?? 0) + 1;
        checks.delete(checkId);
        return;
      }
      check = await getSpotCheck(chain.reader, { deployment, checkId });
    }
    const now = (await chain.reader.getBlock()).timestamp;
    const voted =
      (await getSpotCheckVote(chain.reader, { deployment, checkId, validator: chain.address })) !== zeroHash;
    const canVote =
      !voted &&
      check.submitted < check.quorum &&
      now <= check.deadline &&
      !isAddressEqual(check.provider, chain.address) &&
      entry.attempts < maxAttempts;
    if (canVote) {
      entry.attempts += 1;
      const vote = await reExecute(checkId, check.leaseId, check.resultHash);
      if (vote) {
        const submitted = await submitSpotCheckSync(chain.writer(`spotcheck-vote:${checkId}`), {
          deployment,
          checkId,
          resultHash: vote,
        });
        status.submitted += 1;
        log.info("spot check vote submitted", {
          checkId: checkId.toString(),
          vote,
          agrees: submitted.eventName === "SpotCheckSubmitted" ? submitted.event.agrees : undefined,
        });
        check = await getSpotCheck(chain.reader, { deployment, checkId });
      }
    }
    if (check.submitted >= check.quorum || now > check.deadline) {
      const { eventName, event } = await finalizeSpotCheckSync(chain.writer(`spotcheck-final:${checkId}`), {
        deployment,
        checkId,
      });
      if (eventName === "SpotCheckFinalized") {
        const outcome = checkStateName(event.outcome);
        status.outcomes[outcome] = (status.outcomes[outcome] ?? 0) + 1;
        log.info("spot check finalized", {
          checkId: checkId.toString(),
          provider: event.provider,
          outcome,
          agreed: event.agreed,
          disagreed: event.disagreed,
          quoteWrong: event.quoteWrong,
          slashed: event.slashed.toString(),
          why:
            outcome === "Invalid"
              ? "a majority of the escalated quorum re-executed the job to another result"
              : outcome === "Valid"
                ? "a majority re-executed the job to the provider's result"
                : "no decisive majority",
        });
      }
      checks.delete(checkId);
    }
  };

  /** The vote: QUOTE_WRONG when the opener misquoted LeaseCompleted, else the re-executed result hash. */
  const reExecute = async (checkId: bigint, leaseId: bigint, quoted: Hex): Promise<Hex | undefined> => {
    let watched = leases.get(leaseId);
    if (!watched) {
      const [completed] = await chain.reader.getContractEvents({
        address: deployment.marketplace,
        abi: marketplaceAbi,
        eventName: "LeaseCompleted",
        args: { leaseId },
        fromBlock: BigInt(deployment.startBlock),
        strict: true,
      });
      if (!completed) return QUOTE_WRONG; // the lease never completed: there is no result to quote
      const lease = await describe(leaseId, completed.args.resultHash);
      if (!lease) return undefined;
      watched = { lease, done: true };
      leases.set(leaseId, watched);
    }
    if (watched.lease.resultHash !== quoted) {
      log.warn("spot check quotes a result hash the lease never recorded", {
        checkId: checkId.toString(),
        quoted,
        recorded: watched.lease.resultHash,
      });
      return QUOTE_WRONG;
    }
    if (!watched.manifest) {
      const got = await bundles.manifest(watched.lease);
      if (!got.manifest) {
        log.warn("spot check: cannot get the job to re-execute", { checkId: checkId.toString(), reason: got.reason });
        return undefined;
      }
      watched.manifest = got.manifest;
    }
    const bundle = await bundles.bundle(watched.lease, watched.manifest);
    try {
      const result = await reExecutor.run(watched.lease, bundle);
      log.info("spot check re-executed", {
        checkId: checkId.toString(),
        leaseId: leaseId.toString(),
        resultHash: result.resultHash,
        provider: watched.lease.resultHash,
        detail: result.detail,
      });
      return result.resultHash;
    } finally {
      await bundle.dispose();
    }
  };

  const pass = async () => {
    await poll();
    for (const watched of leases.values()) {
      if (watched.done) continue;
      await consider(watched).catch((error: Error) => {
        status.lastError = error.message.split("\n")[0];
        log.warn("spot check: could not open", { leaseId: watched.lease.leaseId.toString(), error: status.lastError });
      });
    }
    for (const [checkId, entry] of [...checks]) {
      await participate(checkId, entry).catch((error: Error) => {
        status.lastError = error.message.split("\n")[0];
        log.warn("spot check: pass failed", { checkId: checkId.toString(), error: status.lastError });
      });
    }
  };

  return {
    /** One pass: new events, openings, votes, finalizations. Concurrent calls share the pass in flight. */
    tick(): Promise<void> {
      if (!status.enabled) return Promise.resolve();
      running ??= pass().finally(() => {
        running = undefined;
      });
      return running;
    },
    status: (): SpotCheckStatus => ({ ...status, outcomes: { ...status.outcomes } }),
  };
}
