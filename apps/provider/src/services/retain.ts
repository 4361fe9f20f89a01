// What a service lease keeps after it ends: the paths its services declare under `retain` (on their persistent
// volumes) are packed into the lease's results archive once the services have stopped and before the volumes are
// deleted, so the buyer downloads them like a job's results (GET /leases/:id/results) for the node's retention time.
// Copying after the stop is what makes a database consistent (SQLite's file with its -wal beside it, when the whole
// folder is retained), and the node never reads what it packs: it stores it, links as links (workload/outputs.ts).
import path from "node:path";
import { volumePathOf } from "@ocx/sdk";
import { OMITTED_NOTICE_PATH, type PackedOutputs, packOutputs } from "../workload/outputs.js";
import type { ServiceSpec } from "./types.js";

const MiB = 1024 * 1024;

/**
 * The most bytes of files (by apparent size) a service lease keeps after its end: files are taken in path order
 * while they fit, the others are left out and listed in the archive (OCX-OMITTED.txt) and in the lease's message.
 * The lease no longer pays for the disk they take, so the node bounds it. A constant until the node's config has a
 * setting for it.
 */
export const RETAINED_MAX_BYTES = 256 * MiB;

/** One declared retained path: the service and its sandbox path, and where it is in the lease's volumes folder. */
export interface RetainedPath {
  service: string;
  /** As the manifest declares it, in the service's sandbox: `/books/payments.db`. */
  path: string;
  /** Under `<stateDir>/volumes/<leaseId>`, and in the archive: `<volume>/<path in the volume>` (`books/payments.db`). */
  entry: string;
}

/** What {@link packRetained} kept. */
export interface PackedRetained {
  /** sha256 of the archive, "0x…" (the lease's result hash on this node; nothing goes on-chain for a service lease). */
  sha256: `0x${string}`;
  /** Size of the archive in bytes. */
  size: number;
  /** Regular files kept, by their archive path. */
  files: PackedOutputs["files"];
  /** Declared paths that were not there (or only through a symlink). */
  missing: RetainedPath[];
  /** Files left out for the size bound. */
  omitted: PackedOutputs["omitted"];
  /** The bound the files were held to, in bytes. */
  maxBytes: number;
  warnings: string[];
}

/**
 * The retained paths of a lease's services, each on the volume of the deepest mount that holds it (the manifest's
 * checks guarantee there is one). Paths of services that share a volume at the same place come once.
 * @example
 * retainedPaths([{ name: "model", mounts: [{ volume: "books", path: "/books", readOnly: false }], retain: ["/books"], … }]);
 * // [{ service: "model", path: "/books", entry: "books" }]
 */
export function retainedPaths(services: readonly ServiceSpec[]): RetainedPath[] {
  const byEntry = new Map<string, RetainedPath>();
  for (const service of services) {
    for (const declared of service.retain ?? []) {
      const held = volumePathOf(declared, service.mounts);
      if (held === undefined) {
        throw new Error(`services.${service.name}.retain: "${declared}" is on no volume the service mounts`);
      }
      const entry = path.posix.join(held.mount.volume, held.relative);
      if (!byEntry.has(entry)) byEntry.set(entry, { service: service.name, path: declared, entry });
    }
  }
  return [...byEntry.values()];
}

/**
 * Packs the retained paths of a lease's services from its volumes folder (`<stateDir>/volumes/<leaseId>`) into
 * `archive`, deterministic like a job's results, bounded by `maxBytes` (default {@link RETAINED_MAX_BYTES}).
 * Undefined when no service retains anything (then nothing is written). Call it once the services have stopped.
 * @example
 * const kept = await packRetained(volumesDir, services, files.results);
 * kept?.files; // [{ path: "books/payments.db", size: 12288 }]
 */
export async function packRetained(
  volumesDir: string,
  services: readonly ServiceSpec[],
  archive: string,
  options: { maxBytes?: number } = {},
): Promise<PackedRetained | undefined> {
  const paths = retainedPaths(services);
  if (paths.length === 0) return undefined;
  const maxBytes = options.maxBytes ?? RETAINED_MAX_BYTES;
  const packed = await packOutputs(
    volumesDir,
    paths.map((p) => p.entry),
    archive,
    { maxBytes },
  );
  const missing = new Set(packed.missing);
  return {
    sha256: packed.sha256,
    size: packed.size,
    files: packed.files,
    missing: paths.filter((p) => missing.has(p.entry)),
    omitted: packed.omitted,
    maxBytes,
    warnings: packed.warnings,
  };
}

/**
 * One sentence on what a lease kept, for its final message (what the buyer sees in its status).
 * @example
 * describeRetained(7n, kept); // "kept 1 file (12,288 bytes) in the lease's results; the buyer downloads them … (GET /leases/7/results)"
 */
export function describeRetained(leaseId: bigint, kept: PackedRetained): string {
  // The archive's list of what was left out is not one of the service's files.
  const files = kept.files.filter((file) => file.path !== OMITTED_NOTICE_PATH);
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  const parts = [
    `kept ${files.length} file${files.length === 1 ? "" : "s"} (${bytes.toLocaleString("en-US")} bytes) in the lease's results`,
  ];
  if (kept.missing.length > 0) {
    parts.push(`not found: ${kept.missing.map((p) => `${p.path} (service ${p.service})`).join(", ")}`);
  }
  if (kept.omitted.length > 0) {
    parts.push(
      `left out past the node's bound of ${kept.maxBytes.toLocaleString("en-US")} bytes: ${kept.omitted.map((file) => file.path).join(", ")}`,
    );
  }
  return `${parts.join("; ")}; the buyer downloads them for the node's retention time (GET /leases/${leaseId}/results)`;
}
