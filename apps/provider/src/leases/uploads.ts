// The buyer's side of a lease before it runs: the manifest (checked against the hash the lease
// recorded on-chain), its inputs (streamed to disk, checked against their sha256), and the start.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { canonicalManifestHash, type Manifest, parseCanonicalManifest } from "@ocx/sdk";
import { serviceManifestOf } from "../services/types.js";
import type { LeaseContext } from "./context.js";
import { LeaseInputError } from "./errors.js";
import { jobPath } from "./files.js";
import type { Lifecycle } from "./lifecycle.js";
import type { LeaseRecord } from "./store.js";

/** Builds the uploads part of the lease service. */
export function createUploads(ctx: LeaseContext, lifecycle: Lifecycle) {
  const { store, executor } = ctx;

  const uploadable = (id: bigint): LeaseRecord => {
    const lease = store.getLease(id);
    if (!lease) throw new LeaseInputError("not-found", `lease ${id} is not a lease of this provider`);
    if (lease.phase !== "pending" && lease.phase !== "acknowledged") {
      throw new LeaseInputError(
        "conflict",
        `lease ${id} is ${lease.phase}; uploads are only accepted before it starts`,
        {
          phase: lease.phase,
        },
      );
    }
    return lease;
  };

  const acceptManifest = async (id: bigint, body: Uint8Array): Promise<Manifest> => {
    const lease = uploadable(id);
    const got = canonicalManifestHash(body);
    if (got !== lease.manifestHash) {
      throw new LeaseInputError(
        "bad-request",
        "the manifest's hash does not match the hash recorded in the lease on-chain: upload the exact canonical manifest the lease was created with",
        { expected: lease.manifestHash, got },
      );
    }
    let manifest: Manifest;
    try {
      manifest = parseCanonicalManifest(body);
    } catch (error) {
      throw new LeaseInputError("bad-request", `the manifest is not valid: ${(error as Error).message}`);
    }
    const bundle = lease.bundle ?? (await ctx.bundleOf(lease));
    if (manifest.resources.gpu.count > bundle.gpuCount) {
      throw new LeaseInputError(
        "bad-request",
        `the manifest asks for ${manifest.resources.gpu.count} GPU(s) but the lease bought ${bundle.gpuCount}`,
      );
    }
    const services = serviceManifestOf(manifest);
    if (services && executor.name !== "bwrap") {
      throw new LeaseInputError(
        "bad-request",
        `this provider runs workloads with ${executor.name}; services need its bwrap executor (a private network per lease): take another provider's offer`,
      );
    }
    // A service runs its command on the sandbox's root, or in its image's unpacked root (its
    // entrypoint when it gives no command): a node without an image store refuses images.
    const withImage = services?.services.find((s) => s.image !== undefined);
    if (withImage && !ctx.images) {
      throw new LeaseInputError(
        "bad-request",
        `services.${withImage.name}: this provider runs no images (no image store configured); leave out \`image\` and give a \`command\`, which runs in the provider's sandbox (its /usr: node, python3, sh …)`,
      );
    }
    const noCommand = services?.services.find((s) => s.image === undefined && (!s.command || s.command.length === 0));
    if (noCommand) {
      throw new LeaseInputError("bad-request", `services.${noCommand.name}: give the service a command or an image`);
    }
    if (!services && !manifest.command && executor.name !== "docker") {
      throw new LeaseInputError(
        "bad-request",
        `this provider runs jobs with ${executor.name}, which needs a command; the manifest only names an image`,
      );
    }
    store.updateLease(id, { manifest: new TextDecoder().decode(body), bundle, kind: services ? "service" : "batch" });
    ctx.leaseLog(id).info("accepted the manifest", {
      inputs: manifest.inputs.length,
      ...(services ? { services: services.services.map((s) => s.name).join(",") } : {}),
    });
    return manifest;
  };

  const acceptInput = async (id: bigint, relative: string, body: AsyncIterable<Uint8Array> | Uint8Array) => {
    const lease = uploadable(id);
    if (!lease.manifest) throw new LeaseInputError("conflict", "upload the manifest before its inputs");
    const manifest = parseCanonicalManifest(lease.manifest);
    const input = manifest.inputs.find((i) => i.path === relative);
    if (!input) {
      throw new LeaseInputError("bad-request", `"${relative}" is not an input of the manifest`, {
        inputs: manifest.inputs.map((i) => i.path),
      });
    }
    const files = ctx.files(id);
    const target = jobPath(files.jobDir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.ocx-partial`;
    const hash = createHash("sha256");
    let size = 0;
    const limit = input.size ?? Number.POSITIVE_INFINITY;
    const counted = async function* (source: AsyncIterable<Uint8Array> | Uint8Array) {
      const chunks = source instanceof Uint8Array ? [source] : source;
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        if (size > limit) {
          throw new LeaseInputError(
            "too-large",
            `"${relative}" is larger than the ${limit} bytes the manifest declares`,
          );
        }
        hash.update(chunk);
        yield chunk;
      }
    };
    try {
      await pipeline(counted(body), createWriteStream(partial));
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const got = `0x${hash.digest("hex")}`;
    if (got !== input.sha256) {
      await rm(partial, { force: true });
      throw new LeaseInputError("bad-request", `"${relative}" does not match its sha256 in the manifest`, {
        expected: input.sha256,
        got,
      });
    }
    await rename(partial, target);
    ctx.leaseLog(id).info("accepted an input", { path: relative, bytes: size });
  };

  const start = async (id: bigint): Promise<LeaseRecord> => {
    const lease = store.getLease(id);
    if (!lease) throw new LeaseInputError("not-found", `lease ${id} is not a lease of this provider`);
    if (lease.phase === "running") return lease;
    if (lease.phase !== "acknowledged") {
      throw new LeaseInputError(
        "conflict",
        lease.phase === "pending"
          ? `lease ${id} is not acknowledged yet; try again in a moment`
          : `lease ${id} is ${lease.phase} and cannot start`,
        { phase: lease.phase },
      );
    }
    if (!lease.manifest) throw new LeaseInputError("conflict", "upload the manifest before starting the job");
    const manifest = parseCanonicalManifest(lease.manifest);
    const files = ctx.files(id);
    const missing: string[] = [];
    for (const input of manifest.inputs) {
      const present = await stat(jobPath(files.jobDir, input.path)).catch(() => undefined);
      if (!present || present.size !== input.size) missing.push(input.path);
    }
    if (missing.length > 0) {
      throw new LeaseInputError("conflict", `upload every input before starting; missing: ${missing.join(", ")}`, {
        missing,
      });
    }
    const refusal = await ctx.cannotStart?.();
    if (refusal) {
      throw new LeaseInputError("conflict", `this provider cannot start jobs now: ${refusal}; try again later`);
    }
    await lifecycle.launch(lease, manifest);
    return store.getLease(id) as LeaseRecord;
  };

  return { acceptManifest, acceptInput, start };
}
