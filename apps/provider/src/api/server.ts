// The provider's HTTP API (Hono): public health, status and metrics, and the signed per-lease
// routes through which a buyer hands over a job and gets its logs and results back.
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { Registry } from "@ocx/node-kit";
import type { Deployment } from "@ocx/sdk";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { stream } from "hono/streaming";
import { LeaseInputError } from "../leases/errors.js";
import type { LeaseService } from "../leases/service.js";
import type { LeaseRecord, ProviderStore } from "../leases/store.js";
import { type LeaseAuthVariables, leaseAuth, problem } from "./auth.js";

export interface ApiOptions {
  deployment: Deployment;
  store: ProviderStore;
  leases: LeaseService;
  metrics: Registry;
  maxUploadBytes: number;
  maxSignatureAgeSeconds: number;
  findLease: (id: bigint) => Promise<LeaseRecord | undefined>;
  /** The node's public status: version, hardware, offers, free capacity. */
  status: () => Promise<Record<string, unknown>>;
  /** Why the node is not ready to take leases, or [] when it is. */
  notReady: () => Promise<string[]>;
}

const STATUS_OF: Record<LeaseInputError["problem"], 400 | 404 | 409 | 413> = {
  "bad-request": 400,
  "not-found": 404,
  conflict: 409,
  "too-large": 413,
};

/** Builds the API app. Its type is exported so clients can be typed against it. */
export function createApi(options: ApiOptions) {
  const { leases } = options;
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    if (error instanceof LeaseInputError) {
      return c.json({ error: error.message, ...error.details }, STATUS_OF[error.problem]);
    }
    return c.json({ error: `internal error: ${error.message}` }, 500);
  });
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));

  app.get("/health", (c) => c.json({ ok: true }));
  app.get("/ready", async (c) => {
    const reasons = await options.notReady();
    return c.json({ ready: reasons.length === 0, reasons }, reasons.length === 0 ? 200 : 503);
  });
  app.get("/status", async (c) => c.json(await options.status()));
  app.get("/metrics", async (c) =>
    c.text(await options.metrics.metrics(), 200, { "content-type": options.metrics.contentType }),
  );

  const lease = new Hono<{ Variables: LeaseAuthVariables }>();
  lease.use(
    "*",
    bodyLimit({
      maxSize: options.maxUploadBytes,
      onError: () => {
        // The rest of the body is never read: close the connection, or a client that reuses it
        // for its next request finds it broken ("other side closed").
        throw problem(
          413,
          `the upload is larger than this provider's limit of ${options.maxUploadBytes} bytes`,
          { limit: options.maxUploadBytes },
          { connection: "close" },
        );
      },
    }),
  );
  lease.use("*", leaseAuth(options));

  lease.put("/manifest", async (c) => {
    const manifest = await leases.acceptManifest(c.get("lease").id, c.get("body"));
    return c.json({ accepted: true, inputs: manifest.inputs.map((i) => i.path) });
  });
  lease.put("/inputs/*", async (c) => {
    const prefix = `/leases/${c.req.param("id")}/inputs/`;
    const relative = decodeURIComponent(new URL(c.req.url).pathname.slice(prefix.length));
    await leases.acceptInput(c.get("lease").id, relative, c.get("body"));
    return c.json({ accepted: relative, bytes: c.get("body").byteLength });
  });
  lease.post("/start", async (c) => {
    const started = await leases.start(c.get("lease").id);
    return c.json({ phase: started.phase, message: started.message });
  });
  lease.get("/", async (c) => c.json(await leases.statusOf(c.get("lease").id)));

  lease.get("/logs", async (c) => {
    const id = c.get("lease").id;
    const which = c.req.query("stream") ?? "stdout";
    if (which !== "stdout" && which !== "stderr") throw problem(400, `stream must be stdout or stderr, got "${which}"`);
    const offset = Number(c.req.query("offset") ?? "0");
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw problem(400, `offset must be a byte offset, got "${c.req.query("offset")}"`);
    const follow = c.req.query("follow") === "1" || c.req.query("follow") === "true";
    const file = leases.files(id)[which];
    c.header("content-type", "text/plain; charset=utf-8");
    c.header("x-ocx-log-offset", String(offset));
    return stream(c, async (out) => {
      let position = offset;
      for (;;) {
        const size = (await stat(file).catch(() => undefined))?.size ?? 0;
        if (size > position) {
          const handle = await open(file, "r");
          try {
            const buffer = Buffer.alloc(Math.min(size - position, 1 << 20));
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
            position += bytesRead;
            await out.write(buffer.subarray(0, bytesRead));
          } finally {
            await handle.close();
          }
          continue;
        }
        const phase = options.store.getLease(id)?.phase;
        const live = phase === "pending" || phase === "acknowledged" || phase === "running";
        if (!follow || !live || out.aborted) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  });

  lease.get("/results", async (c) => {
    const record = options.store.getLease(c.get("lease").id) as LeaseRecord;
    if (!record.resultHash) {
      throw problem(409, `results of lease ${record.id} are not ready: it is ${record.phase}`, { phase: record.phase });
    }
    const file = leases.files(record.id).results;
    const size = (await stat(file)).size;
    c.header("content-type", "application/gzip");
    c.header("content-length", String(size));
    c.header("x-ocx-result-sha256", record.resultHash);
    return stream(c, async (out) => {
      for await (const chunk of createReadStream(file)) await out.write(chunk as Uint8Array);
    });
  });

  app.route("/leases/:id", lease);
  return app;
}

export type ProviderApi = ReturnType<typeof createApi>;
