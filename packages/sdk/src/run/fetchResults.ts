// Step 6 of a job: its results, streamed to disk and checked against the hash the provider recorded on-chain.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { getLeaseEvents } from "../actions/events.js";
import type { ReadClient } from "../actions/internal/contract.js";
import type { Deployment } from "../deployment.js";
import { OcxError } from "../errors.js";
import type { ProviderClient } from "../provider/client.js";
import { type ExtractReturnType, extractTarGzStream } from "../results/extract.js";
import { DEFAULT_MAX_RESULT_BYTES } from "../results/tar.js";
import type { OnRunJobEvent } from "./events.js";
import { sleep, withProviderRetry } from "./retry.js";

/** Parameters of `fetchResults`. */
export interface FetchResultsParameters {
  /** Reads the lease's `LeaseCompleted` event. */
  publicClient: ReadClient;
  deployment: Pick<Deployment, "marketplace" | "startBlock">;
  leaseId: bigint;
  /** The provider's URL, named if it cannot be reached. */
  url: string;
  /** Folder to keep `lease-<id>.tar.gz` in; without it the archive is checked, then deleted. */
  dir?: string;
  /** Unpack the verified archive into this folder, as it streams from disk (`extractTarGzStream`). */
  unpackTo?: string;
  /** The most bytes the archive may unpack to. Default: `DEFAULT_MAX_RESULT_BYTES` (16 GiB). */
  maxUnpackedBytes?: number;
  /** How long to retry a provider that cannot be reached, and to wait for the completion on-chain, in ms. Default: 60 s. */
  retryMs?: number;
  onEvent?: OnRunJobEvent;
}

/** The verified archive: where it is (absent when not kept), its sha256 (the on-chain result hash) and size. */
export interface FetchResultsReturnType {
  path?: string;
  sha256: Hex;
  bytes: number;
  /** What was unpacked, with `unpackTo`. */
  unpacked?: ExtractReturnType;
}

/**
 * The result hash lease `leaseId` was completed with on-chain, waiting up to `waitMs` for the provider's
 * `complete` transaction; undefined when the lease closed without a result.
 * @example
 * const hash = await getResultHash(publicClient, { deployment, leaseId: 1n });
 */
export async function getResultHash(
  client: ReadClient,
  parameters: { deployment: Pick<Deployment, "marketplace" | "startBlock">; leaseId: bigint; waitMs?: number },
): Promise<Hex | undefined> {
  const deadline = Date.now() + (parameters.waitMs ?? 0);
  for (;;) {
    const events = await getLeaseEvents(client, parameters);
    const completed = events.find((e) => e.eventName === "LeaseCompleted");
    if (completed?.eventName === "LeaseCompleted") return completed.args.resultHash;
    if (events.some((e) => e.eventName === "LeaseClosed") || Date.now() > deadline) return undefined;
    await sleep(250);
  }
}

/**
 * Streams the lease's results archive to disk (never whole in memory, whatever its size) and checks its sha256
 * against the provider's signed answer and the result hash on-chain; the file appears only once both match. A
 * provider that cannot be reached is retried with backoff; on giving up, `OcxProviderError` says the lease's
 * results can still be fetched with `ocx job results <id>`. With `unpackTo`, the verified archive is unpacked from
 * disk as a stream (bounded by `maxUnpackedBytes`). Returns undefined when the lease has no result.
 * @example
 * const results = await fetchResults(client, { publicClient, deployment, leaseId, url: lease.endpoint, dir: "." });
 * results?.path; // "./lease-7.tar.gz"
 */
export async function fetchResults(
  client: ProviderClient,
  parameters: FetchResultsParameters,
): Promise<FetchResultsReturnType | undefined> {
  const { leaseId } = parameters;
  const retryMs = parameters.retryMs ?? 60_000;
  const expected = await getResultHash(parameters.publicClient, {
    deployment: parameters.deployment,
    leaseId,
    waitMs: retryMs,
  });
  if (!expected) return undefined;
  const keep = parameters.dir !== undefined;
  const dir = parameters.dir ?? (await mkdtemp(path.join(tmpdir(), "ocx-results-")));
  try {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `lease-${leaseId}.tar.gz`);
    const { sha256, bytes } = await withProviderRetry(() => client.downloadResults(leaseId, file, expected), {
      what: `downloading lease #${leaseId}'s results`,
      url: parameters.url,
      leaseId,
      maxMs: retryMs,
      onRetry: (info) => parameters.onEvent?.({ type: "retry", ...info }),
    });
    if (sha256.toLowerCase() !== expected.toLowerCase()) {
      throw new OcxError(`lease #${leaseId}'s results hash to ${sha256}, but the lease records ${expected}`);
    }
    const unpacked =
      parameters.unpackTo === undefined
        ? undefined
        : await extractTarGzStream(file, parameters.unpackTo, {
            maxBytes: parameters.maxUnpackedBytes ?? DEFAULT_MAX_RESULT_BYTES,
          });
    parameters.onEvent?.({ type: "results", path: keep ? file : "", sha256, bytes });
    return { ...(keep ? { path: file } : {}), sha256, bytes, ...(unpacked ? { unpacked } : {}) };
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}
