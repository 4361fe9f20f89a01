// Runs a job on OCX end to end, as its exported steps in order: find an offer (or run an auction), take a lease,
// upload, start, follow the logs, fetch the verified results, and bill the lease from the chain's events.
import type { Account, Chain, LocalAccount, PublicClient, Transport, WalletClient } from "viem";
import type { Deployment } from "../deployment.js";
import type { Manifest } from "../manifest/types.js";
import type { ProviderLeaseStatus } from "../provider/client.js";
import { billLease, type LeaseBill } from "./billLease.js";
import { connectProvider } from "./connect.js";
import type { OnRunJobEvent } from "./events.js";
import { fetchResults } from "./fetchResults.js";
import { findOffer } from "./findOffer.js";
import { followLogs } from "./followLogs.js";
import { startJob } from "./startJob.js";
import { takeLease } from "./takeLease.js";
import { uploadJob } from "./uploadJob.js";

/** Parameters of `runJob`. */
export interface RunJobParameters {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The buyer's key, which signs requests to the provider. */
  account: LocalAccount;
  deployment: Deployment;
  /** The job, with inputs resolved (`resolveInputs`) so each has its sha256. */
  manifest: Manifest;
  /** Folder the inputs' `source` paths are relative to. */
  baseDir: string;
  /** Take this offer instead of the cheapest match. */
  offerId?: bigint;
  /** Escrow to deposit; default: the job's maximum duration at the price, within the offer's bounds. */
  deposit?: bigint;
  /** Fund this many hours instead of the manifest's maximum duration. */
  hours?: number;
  /** Overrides the manifest's price limit, in wei per GPU-hour. */
  maxPricePerGpuHour?: bigint;
  /** Folder to write the verified `lease-<id>.tar.gz` into; default: none (the archive is checked, not kept). */
  resultsDir?: string;
  /** Unpack the verified results into this folder (streamed from disk, bounded by `maxUnpackedBytes`). */
  unpackTo?: string;
  /** The most bytes the results may unpack to. Default: 16 GiB. */
  maxUnpackedBytes?: number;
  onEvent?: OnRunJobEvent;
  /**
   * "offer": only take offers. "auto" (default): when no offer matches and the job has a price
   * limit, post a request and take the lowest bid (a reverse auction).
   */
  market?: "offer" | "auto";
  /** Ask the offer's provider for a signed quote first (one transaction, no acknowledgement). Default: true. */
  quote?: boolean;
  /** How long an auction takes bids, in seconds (at least 60). Default: 60. */
  biddingSeconds?: number;
  /** How often to poll while waiting, in ms. Default: 100. */
  pollMs?: number;
  /** How long to keep retrying a provider that cannot be reached (a restart), in ms. Default: 60 s. */
  providerRetryMs?: number;
}

/** What `runJob` returns. */
export interface RunJobReturnType {
  leaseId: bigint;
  /** The taken offer, or 0 for a lease won at auction. */
  offerId: bigint;
  provider: `0x${string}`;
  status: ProviderLeaseStatus;
  exitCode: number;
  resultHash: `0x${string}` | null;
  resultsPath?: string;
  /** The files unpacked into `unpackTo`. */
  unpackedFiles?: string[];
  /** What the lease cost: `paid` (to the provider, fee included) = pricePerSecond × seconds; `refund` came back. */
  cost: LeaseBill;
}

/**
 * Runs `manifest` on the cheapest matching offer (or a reverse auction) and returns once the results are verified
 * and the lease is billed. It is the exported steps in order — `findOffer`, `takeLease`, `uploadJob`, `startJob`,
 * `followLogs`, `fetchResults`, `billLease` — with their progress events; use the steps to do a part of it.
 * @example
 * const manifest = await resolveInputs(parseManifest(yaml), ".");
 * const run = await runJob({ publicClient, walletClient, account, deployment, manifest, baseDir: ".",
 *   onEvent: (e) => e.type === "log" && process.stdout.write(e.chunk) });
 * console.log(run.exitCode, run.cost.paid);
 */
export async function runJob(parameters: RunJobParameters): Promise<RunJobReturnType> {
  const { publicClient, deployment, manifest } = parameters;
  const onEvent = parameters.onEvent ?? (() => {});
  const pollMs = parameters.pollMs ?? 100;
  const retryMs = parameters.providerRetryMs ?? 60_000;

  const found = await findOffer(publicClient, {
    deployment,
    manifest,
    ...(parameters.offerId !== undefined ? { offerId: parameters.offerId } : {}),
    ...(parameters.maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour: parameters.maxPricePerGpuHour } : {}),
    ...(parameters.market ? { market: parameters.market } : {}),
  });
  const lease = await takeLease({
    publicClient,
    walletClient: parameters.walletClient,
    account: parameters.account,
    deployment,
    manifest,
    found,
    ...(parameters.deposit !== undefined ? { deposit: parameters.deposit } : {}),
    ...(parameters.hours !== undefined ? { hours: parameters.hours } : {}),
    ...(parameters.quote !== undefined ? { quote: parameters.quote } : {}),
    ...(parameters.biddingSeconds !== undefined ? { biddingSeconds: parameters.biddingSeconds } : {}),
    pollMs,
    onEvent,
  });
  const { leaseId, endpoint: url } = lease;
  onEvent({ type: "lease", leaseId, provider: lease.provider, deposit: lease.deposit, endpoint: url });

  const client = connectProvider({ publicClient, deployment, account: parameters.account, lease });
  await uploadJob(client, { leaseId, url, manifest, baseDir: parameters.baseDir, retryMs, onEvent });
  await startJob(client, { leaseId, url, retryMs, onEvent });
  const status = await followLogs(client, { leaseId, url, retryMs, pollMs, onEvent });
  const results = status.resultHash
    ? await fetchResults(client, {
        publicClient,
        deployment,
        leaseId,
        url,
        retryMs,
        onEvent,
        ...(parameters.resultsDir !== undefined ? { dir: parameters.resultsDir } : {}),
        ...(parameters.unpackTo !== undefined ? { unpackTo: parameters.unpackTo } : {}),
        ...(parameters.maxUnpackedBytes !== undefined ? { maxUnpackedBytes: parameters.maxUnpackedBytes } : {}),
      })
    : undefined;
  const cost = await billLease(publicClient, { deployment, leaseId });
  return {
    leaseId,
    offerId: lease.offerId,
    provider: lease.provider,
    status,
    exitCode: status.exitCode ?? -1,
    resultHash: status.resultHash,
    ...(results?.path ? { resultsPath: results.path } : {}),
    ...(results?.unpacked ? { unpackedFiles: results.unpacked.files } : {}),
    cost: { ...cost, pricePerSecond: cost.pricePerSecond || lease.pricePerSecond },
  };
}
