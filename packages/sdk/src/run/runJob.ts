// Runs a job on OCX end to end, as its exported steps in order: launch the lease (find an offer or run an auction,
// take the lease, upload, start: `launchLease`), follow the logs, fetch the verified results, and bill the lease
// from the chain's events.
import type { ProviderLeaseStatus } from "../provider/client.js";
import { billLease, type LeaseBill } from "./billLease.js";
import { fetchResults } from "./fetchResults.js";
import { followLogs } from "./followLogs.js";
import { type LaunchLeaseParameters, launchLease } from "./launchLease.js";

/** Parameters of `runJob`: those of `launchLease` (the offer, the deposit, `approve`), and where results go. */
export interface RunJobParameters extends LaunchLeaseParameters {
  /** Folder to write the verified `lease-<id>.tar.gz` into; default: none (the archive is checked, not kept). */
  resultsDir?: string;
  /** Unpack the verified results into this folder (streamed from disk, bounded by `maxUnpackedBytes`). */
  unpackTo?: string;
  /** The most bytes the results may unpack to. Default: 16 GiB. */
  maxUnpackedBytes?: number;
  /** How often to poll while waiting, in ms. Default: 100. */
  pollMs?: number;
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
 * and the lease is billed. It is the exported steps in order — `launchLease` (`findOffer`, `takeLease`, `uploadJob`,
 * `startJob`), `followLogs`, `fetchResults`, `billLease` — with their progress events; use the steps to do a part of it.
 * @example
 * const manifest = await resolveInputs(parseManifest(yaml), ".");
 * const run = await runJob({ publicClient, walletClient, account, deployment, manifest, baseDir: ".",
 *   onEvent: (e) => e.type === "log" && process.stdout.write(e.chunk) });
 * console.log(run.exitCode, run.cost.paid);
 */
export async function runJob(parameters: RunJobParameters): Promise<RunJobReturnType> {
  const { publicClient, deployment } = parameters;
  const onEvent = parameters.onEvent ?? (() => {});
  const pollMs = parameters.pollMs ?? 100;
  const retryMs = parameters.providerRetryMs ?? 60_000;

  const { lease, provider: client } = await launchLease({
    ...parameters,
    pollMs,
    providerRetryMs: retryMs,
    onEvent,
  });
  const { leaseId, endpoint: url } = lease;
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
