// Step 3 of a job: hand the provider the manifest and every input.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { canonicalManifest } from "../manifest/canonical.js";
import type { Manifest } from "../manifest/types.js";
import { ProviderApiError, type ProviderClient } from "../provider/client.js";
import type { OnRunJobEvent } from "./events.js";
import { withProviderRetry } from "./retry.js";

/** Parameters of `uploadJob`. */
export interface UploadJobParameters {
  leaseId: bigint;
  /** The provider's URL, named if it cannot be reached. */
  url: string;
  /** The job, with inputs resolved (`resolveInputs`) so each has its sha256. */
  manifest: Manifest;
  /** Folder the inputs' `source` paths are relative to. */
  baseDir: string;
  /** How long to retry a provider that cannot be reached (or has not seen the lease yet), in ms. Default: 60 s. */
  retryMs?: number;
  onEvent?: OnRunJobEvent;
}

/** What was uploaded. */
export interface UploadJobReturnType {
  files: number;
  bytes: number;
}

/** A provider that has not read the lease from the chain yet answers 404 for it; it will. */
const notSeenYet = (error: unknown) => error instanceof ProviderApiError && error.status === 404;

/**
 * Uploads the canonical manifest (the provider checks its hash against the lease) and then each input (checked
 * against its sha256 in the manifest). A provider that cannot be reached is retried with backoff.
 * @example
 * const client = connectProvider({ publicClient, deployment, account, lease });
 * await uploadJob(client, { leaseId: lease.leaseId, url: lease.endpoint, manifest, baseDir: "." });
 */
export async function uploadJob(client: ProviderClient, parameters: UploadJobParameters): Promise<UploadJobReturnType> {
  const { leaseId, manifest } = parameters;
  const retry = (what: string) => ({
    what,
    url: parameters.url,
    leaseId,
    maxMs: parameters.retryMs ?? 60_000,
    retryIf: notSeenYet,
    onRetry: (info: { what: string; attempt: number; delayMs: number; error: string }) =>
      parameters.onEvent?.({ type: "retry", ...info }),
  });
  await withProviderRetry(
    () => client.uploadManifest(leaseId, canonicalManifest(manifest)),
    retry("uploading the manifest"),
  );
  let bytes = 0;
  for (const input of manifest.inputs) {
    const content = await readFile(path.resolve(parameters.baseDir, input.source ?? input.path));
    bytes += content.byteLength;
    await withProviderRetry(
      () => client.uploadInput(leaseId, input.path, content),
      retry(`uploading input ${input.path}`),
    );
  }
  parameters.onEvent?.({ type: "uploaded", files: manifest.inputs.length, bytes });
  return { files: manifest.inputs.length, bytes };
}
