// The job of a checked lease, fetched from its provider's route for validators and checked link by link: the
// manifest against the hash the lease recorded on-chain, each input against the sha256 the manifest lists.
//
// Provider route (requests signed like a buyer's, by an active validator; the provider answers only for completed
// leases whose manifest says `deterministic: true`):
//   GET /spotchecks/leases/:id/manifest        → the canonical manifest bytes
//   GET /spotchecks/leases/:id/inputs/<path>   → one input's bytes
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { canonicalManifestHash, type Manifest, parseCanonicalManifest, signRequest } from "@ocx/sdk";
import type { Address, LocalAccount } from "viem";
import type { BundleSource, CompletedLease, JobBundle } from "./ports.js";

/** Options of the HTTP bundle source. */
export interface HttpBundleSourceOptions {
  /** The validator's key: it signs the requests. */
  account: LocalAccount;
  chainId: number;
  marketplace: Address;
  /** Largest manifest or input accepted, in bytes. */
  maxBytes?: number;
  fetch?: typeof fetch;
}

/**
 * Fetches manifests and inputs from providers' spot-check route.
 * @example
 * const bundles = createHttpBundleSource({ account, chainId: 31337, marketplace: deployment.marketplace });
 * const got = await bundles.manifest(lease);
 */
export function createHttpBundleSource(options: HttpBundleSourceOptions): BundleSource {
  const maxBytes = options.maxBytes ?? 64 * 2 ** 20;
  const doFetch = options.fetch ?? fetch;
  const get = async (lease: CompletedLease, route: string): Promise<Uint8Array | { status: number; text: string }> => {
    const headers = await signRequest({
      account: options.account,
      chainId: options.chainId,
      marketplace: options.marketplace,
      method: "GET",
      path: route,
      leaseId: lease.leaseId,
    });
    const response = await doFetch(new URL(route, lease.endpoint), { headers, signal: AbortSignal.timeout(30_000) });
    if (!response.ok) return { status: response.status, text: (await response.text()).slice(0, 300) };
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > maxBytes) throw new Error(`${route}: ${length} bytes is more than the ${maxBytes} accepted`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw new Error(`${route}: more than the ${maxBytes} bytes accepted`);
    return bytes;
  };

  return {
    async manifest(lease) {
      const got = await get(lease, `/spotchecks/leases/${lease.leaseId}/manifest`);
      if (!(got instanceof Uint8Array)) {
        return { manifest: undefined, reason: `provider answered ${got.status}: ${got.text}` };
      }
      const hash = canonicalManifestHash(got);
      if (hash !== lease.manifestHash) {
        return {
          manifest: undefined,
          reason: `the manifest served hashes to ${hash}, not ${lease.manifestHash} as the lease recorded`,
        };
      }
      const manifest = parseCanonicalManifest(got);
      if (!manifest.deterministic) return { manifest: undefined, reason: "the job is not declared deterministic" };
      return { manifest };
    },
    async bundle(lease, manifest) {
      const dir = await mkdtemp(path.join(tmpdir(), `ocx-spotcheck-${lease.leaseId}-`));
      const dispose = () => rm(dir, { recursive: true, force: true });
      try {
        for (const input of manifest.inputs) {
          const got = await get(lease, `/spotchecks/leases/${lease.leaseId}/inputs/${encodeURI(input.path)}`);
          if (!(got instanceof Uint8Array)) {
            throw new Error(`input ${input.path}: provider answered ${got.status}: ${got.text}`);
          }
          const sha256 = `0x${createHash("sha256").update(got).digest("hex")}`;
          if (input.sha256 !== undefined && sha256 !== input.sha256) {
            throw new Error(`input ${input.path} hashes to ${sha256}, not ${input.sha256} as the manifest says`);
          }
          const target = path.resolve(dir, input.path);
          if (!target.startsWith(`${dir}${path.sep}`))
            throw new Error(`input path ${input.path} leaves the job folder`);
          await mkdir(path.dirname(target), { recursive: true });
          await writeFile(target, got);
        }
      } catch (error) {
        await dispose();
        throw error;
      }
      const bundle: JobBundle = { manifest, dir, dispose };
      return bundle;
    },
  };
}

/** The canonical manifest bytes of a manifest (what the route serves). */
export type { Manifest };
