// The route validators use to re-execute a completed deterministic lease (docs/trust.md, spot checks): the job's
// canonical manifest and its inputs, for active validators only. A buyer who declares `deterministic: true`
// agrees that validators may read the job to re-run it; no other lease is ever served here.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { type Deployment, parseCanonicalManifest, validatorRegistryAbi } from "@ocx/sdk";
import { Hono } from "hono";
import type { Address, PublicClient } from "viem";
import { jobPath, leaseFiles } from "../leases/files.js";
import type { LeaseRecord } from "../leases/store.js";
import {
  MAX_SMALL_BODY_BYTES,
  problem,
  type SignedRequestOptions,
  type SignedRequestVariables,
  signedRequest,
} from "./auth.js";

/** Options of the spot-check routes. */
export interface SpotCheckRouteOptions extends Omit<SignedRequestOptions, "bodyLimit"> {
  findLease: (id: bigint) => Promise<LeaseRecord | undefined>;
  /** Whether `address` is an active validator (ValidatorRegistry.isActive). */
  isActiveValidator: (address: Address) => Promise<boolean>;
  /** Where input `relative` of lease `id` lies in its job folder (throws for a path that leaves it). */
  jobFile: (id: bigint, relative: string) => string;
}

type Variables = SignedRequestVariables & { lease: LeaseRecord; manifest: string };

/**
 * `GET /leases/:id/manifest` and `GET /leases/:id/inputs/<path>` under /spotchecks. Authentication is decided
 * from the headers before anything is read: a fresh, unreplayed signature by an active validator, for a completed
 * lease whose manifest says deterministic (else 401, 403, 404 or 409, each naming what was wrong); an input the job changed or that retention removed is 404.
 * @example
 * app.route("/spotchecks", spotCheckRoutes({ ...authOptions, findLease, isActiveValidator, jobFile }));
 */
export function spotCheckRoutes(options: SpotCheckRouteOptions) {
  const routes = new Hono<{ Variables: Variables }>();
  routes.use(
    "/leases/:id/*",
    signedRequest<Variables>({
      ...options,
      bodyLimit: () => MAX_SMALL_BODY_BYTES,
      leaseIdOf: (c) => c.req.param("id"),
      async authorize(c, signer, leaseId) {
        if (!(await options.isActiveValidator(signer))) {
          throw problem(403, `${signer} is not an active validator: only validators may re-execute a lease`);
        }
        const lease = options.store.getLease(leaseId) ?? (await options.findLease(leaseId));
        if (!lease) throw problem(404, `lease ${leaseId} is not a lease of this provider`);
        if (lease.phase !== "completed") {
          throw problem(409, `lease ${leaseId} is ${lease.phase}; only completed leases are re-executed`);
        }
        if (!lease.manifest || !parseCanonicalManifest(lease.manifest).deterministic) {
          throw problem(404, `lease ${leaseId}'s job is not declared deterministic: it is not re-executed`);
        }
        c.set("lease", lease);
        c.set("manifest", lease.manifest);
      },
    }),
  );
  routes.get("/leases/:id/manifest", (c) =>
    c.body(c.get("manifest"), 200, { "content-type": "application/json; charset=utf-8" }),
  );
  routes.get("/leases/:id/inputs/*", async (c) => {
    const lease = c.get("lease");
    const prefix = `/spotchecks/leases/${lease.id}/inputs/`;
    const relative = decodeURIComponent(new URL(c.req.url).pathname.slice(prefix.length));
    const input = parseCanonicalManifest(c.get("manifest")).inputs.find((i) => i.path === relative);
    if (!input) throw problem(404, `the job of lease ${lease.id} has no input "${relative}"`);
    let file: string;
    try {
      file = options.jobFile(lease.id, relative);
    } catch (error) {
      throw problem(400, (error as Error).message);
    }
    const size = (await stat(file).catch(() => undefined))?.size;
    // The job may have changed or removed its input, or retention cleared the folder: serve only the original.
    const hash = createHash("sha256");
    if (size !== undefined) for await (const chunk of createReadStream(file)) hash.update(chunk as Uint8Array);
    if (size === undefined || `0x${hash.digest("hex")}` !== input.sha256) {
      throw problem(404, `input "${relative}" of lease ${lease.id} is no longer held as uploaded`);
    }
    return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream, 200, {
      "content-type": "application/octet-stream",
      "content-length": String(size),
    });
  });
  return routes;
}

/**
 * What the spot-check routes need from the node: the validator registry read through the chain, and the job
 * folders; undefined when the deployment has no ValidatorRegistry (the routes are then not mounted).
 * @example
 * const spotChecks = spotCheckAccess(chain, { stateDir, jobsDir });
 */
export function spotCheckAccess(
  chain: { deployment: Deployment; reader: PublicClient },
  dirs: { stateDir: string; jobsDir: string },
): Pick<SpotCheckRouteOptions, "isActiveValidator" | "jobFile"> | undefined {
  const registry = (chain.deployment as { validatorRegistry?: Address }).validatorRegistry;
  if (!registry) return undefined;
  return {
    isActiveValidator: (address) =>
      chain.reader.readContract({
        address: registry,
        abi: validatorRegistryAbi,
        functionName: "isActive",
        args: [address],
      }),
    jobFile: (id, relative) => jobPath(leaseFiles(dirs, id).jobDir, relative),
  };
}
