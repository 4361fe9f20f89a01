// The provider's HTTP API (Hono): public health, status and metrics; the signed per-lease routes
// through which a buyer hands over a job and gets its logs and results back; and signed quotes.
// Every 2xx answer of a signed route is itself signed by the provider's apiSigner.
import { createHash } from "node:crypto";
import { createReadStream, watch } from "node:fs";
import { stat } from "node:fs/promises";
import type { Registry } from "@ocx/node-kit";
import type { Opening } from "@ocx/proofs";
import {
  type Deployment,
  OCX_ANSWER_SIGNATURE_HEADER,
  type ProviderQuote,
  type SignAnswerParameters,
  serializeQuote,
  signAnswer,
} from "@ocx/sdk";
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { stream } from "hono/streaming";
import type { Address, Hex, LocalAccount } from "viem";
import { challengeRoutes } from "../challenges/api.js";
import { LeaseInputError } from "../leases/errors.js";
import { FINAL_PHASES } from "../leases/machine.js";
import type { LeaseService } from "../leases/service.js";
import type { LeaseRecord, ProviderStore } from "../leases/store.js";
import {
  authGate,
  type LeaseAuthVariables,
  leaseAuth,
  MAX_MANIFEST_BYTES,
  MAX_SMALL_BODY_BYTES,
  problem,
  readVerifiedBody,
  type SignedRequestVariables,
  signedRequest,
  verifiedBody,
} from "./auth.js";
import { type SpotCheckRouteOptions, spotCheckRoutes } from "./spotchecks.js";

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
  /**
   * The provider's registered apiSigner (the `apiSigner` of its ProviderRegistry record): signs
   * every 2xx answer of the signed routes. Without it answers go unsigned, and buyers' clients
   * that verify answers refuse them.
   */
  answerSigner?: LocalAccount;
  /**
   * Prices and signs a quote of `offerId` for `buyer` and `manifestHash` (EIP-712, the
   * marketplace's `takeQuote`). Without it `POST /quotes` answers 501.
   */
  quote?: (offerId: bigint, buyer: Address, manifestHash: Hex) => Promise<{ quote: ProviderQuote; signature: Hex }>;
  /** Requests being authenticated at once; more get 503 until some are decided (default 64). */
  maxPendingAuth?: number;
  /**
   * Quotes signed per second across all buyers, with a burst (default 10/s, burst 20): each costs
   * a chain read, a stored nonce and a signature, and anyone with a key may ask. Beyond: 429.
   */
  quoteRate?: { perSecond: number; burst: number };
  /** The opening of a proof-of-compute challenge this node answered (GET /challenges/:id/opening); undefined → 404. */
  challengeOpening?: (id: bigint) => Promise<Opening | undefined>;
  /** Validators' access to completed deterministic jobs (GET /spotchecks/…, docs/trust.md); undefined → 404. */
  spotChecks?: Pick<SpotCheckRouteOptions, "isActiveValidator" | "jobFile">;
}

/**
 * A token bucket: `take()` is true while tokens last; they refill at `perSecond` up to `burst`.
 * @example
 * const bucket = tokenBucket({ perSecond: 10, burst: 20 });
 * if (!bucket.take()) throw problem(429, "too many quotes");
 */
export function tokenBucket(rate: { perSecond: number; burst: number }, now: () => number = Date.now) {
  if (!(rate.perSecond > 0) || !(rate.burst >= 1)) {
    throw new Error(`a rate needs perSecond > 0 and burst >= 1, got ${JSON.stringify(rate)}`);
  }
  let tokens = rate.burst;
  let at = now();
  return {
    take(): boolean {
      const t = now();
      tokens = Math.min(rate.burst, tokens + ((t - at) / 1000) * rate.perSecond);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    /** Seconds until the next token. */
    wait(): number {
      return Math.max(1, Math.ceil((1 - tokens) / rate.perSecond));
    },
  };
}

const STATUS_OF: Record<LeaseInputError["problem"], 400 | 404 | 409 | 413> = {
  "bad-request": 400,
  "not-found": 404,
  conflict: 409,
  "too-large": 413,
};

/** The request's method and path with query: what an answer's signature says it answers. */
const routeOf = (c: Context) => {
  const url = new URL(c.req.url);
  return `${c.req.method} ${url.pathname}${url.search}`;
};

/** The bytes [start, end) of a file, as a stream. */
async function* fileRange(file: string, start: number, end: number): AsyncGenerator<Uint8Array> {
  if (end <= start) return;
  for await (const chunk of createReadStream(file, { start, end: end - 1 })) yield chunk as Uint8Array;
}

async function sha256Of(file: string, start: number, end: number): Promise<Hex> {
  const hash = createHash("sha256");
  for await (const chunk of fileRange(file, start, end)) hash.update(chunk);
  return `0x${hash.digest("hex")}`;
}

/** Builds the API app. Its type is exported so clients can be typed against it. */
export function createApi(options: ApiOptions) {
  const { leases, answerSigner } = options;
  const app = new Hono();
  const sign = async (
    parameters: Omit<SignAnswerParameters, "account" | "chainId">,
  ): Promise<Record<string, string>> =>
    answerSigner
      ? { ...(await signAnswer({ account: answerSigner, chainId: options.deployment.chainId, ...parameters })) }
      : {};

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

  /**
   * Signs each 2xx JSON answer over its body. Streamed answers (logs, results) sign themselves
   * before their first byte. Refusals are not signed: signing costs the node work that a stranger
   * must not be able to ask for.
   */
  const signAnswers = (leaseIdOf: (c: Context) => bigint) =>
    createMiddleware(async (c, next) => {
      await next();
      if (!answerSigner || c.res.status < 200 || c.res.status >= 300) return;
      if (c.res.headers.has(OCX_ANSWER_SIGNATURE_HEADER)) return;
      // Only whole JSON answers: a followed log streams until its job ends and is checked by digest.
      if (!c.res.headers.get("content-type")?.startsWith("application/json")) return;
      const body = new Uint8Array(await c.res.clone().arrayBuffer());
      const headers = await sign({ leaseId: leaseIdOf(c), route: routeOf(c), body });
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    });

  const authOptions = {
    deployment: options.deployment,
    store: options.store,
    maxSignatureAgeSeconds: options.maxSignatureAgeSeconds,
    gate: authGate(options.maxPendingAuth),
  };

  const quotes = new Hono<{ Variables: SignedRequestVariables }>();
  quotes.use(
    "*",
    signAnswers(() => 0n),
  );
  quotes.use(
    "*",
    signedRequest<SignedRequestVariables>({
      ...authOptions,
      bodyLimit: () => MAX_SMALL_BODY_BYTES,
      leaseIdOf: () => "0",
      authorize: async () => {},
    }),
  );
  const quoteBucket = tokenBucket(options.quoteRate ?? { perSecond: 10, burst: 20 });
  quotes.post("/", async (c) => {
    if (!options.quote) throw problem(501, "this provider gives no quotes: take its offer on-chain instead");
    if (!quoteBucket.take()) {
      const wait = quoteBucket.wait();
      throw problem(
        429,
        `this provider signs at most ${options.quoteRate?.perSecond ?? 10} quotes a second: try again in ${wait} s, or take its offer on-chain`,
        {},
        { "retry-after": String(wait) },
      );
    }
    const text = new TextDecoder().decode(await readVerifiedBody(c.req.raw, c.get("signedBody")));
    let offerId: bigint;
    let manifestHash: Hex;
    try {
      const parsed = JSON.parse(text) as { offerId?: unknown; manifestHash?: unknown };
      if (typeof parsed.offerId !== "string" || !/^\d{1,78}$/.test(parsed.offerId)) {
        throw new Error(`offerId must be a decimal string, got ${JSON.stringify(parsed.offerId)}`);
      }
      if (typeof parsed.manifestHash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(parsed.manifestHash)) {
        throw new Error(`manifestHash must be 32 bytes in 0x-hex, got ${JSON.stringify(parsed.manifestHash)}`);
      }
      offerId = BigInt(parsed.offerId);
      manifestHash = parsed.manifestHash.toLowerCase() as Hex;
    } catch (error) {
      throw problem(400, `a quote request is JSON { offerId, manifestHash }: ${(error as Error).message}`);
    }
    const { quote, signature } = await options.quote(offerId, c.get("signer"), manifestHash);
    return c.json({ quote: serializeQuote(quote), signature });
  });
  app.route("/quotes", quotes);

  const lease = new Hono<{ Variables: LeaseAuthVariables }>();
  lease.use(
    "*",
    signAnswers((c) => BigInt(c.req.param("id") ?? "0")),
  );
  lease.use(
    "*",
    leaseAuth({
      ...authOptions,
      findLease: options.findLease,
      bodyLimit: (c) => {
        const pathname = new URL(c.req.url).pathname;
        if (/^\/leases\/[^/]+\/inputs\//.test(pathname)) return options.maxUploadBytes;
        if (/^\/leases\/[^/]+\/manifest$/.test(pathname)) return MAX_MANIFEST_BYTES;
        return MAX_SMALL_BODY_BYTES;
      },
    }),
  );

  lease.put("/manifest", async (c) => {
    const manifest = await leases.acceptManifest(
      c.get("lease").id,
      await readVerifiedBody(c.req.raw, c.get("signedBody")),
    );
    return c.json({ accepted: true, inputs: manifest.inputs.map((i) => i.path) });
  });
  lease.put("/inputs/*", async (c) => {
    const prefix = `/leases/${c.req.param("id")}/inputs/`;
    const relative = decodeURIComponent(new URL(c.req.url).pathname.slice(prefix.length));
    let bytes = 0;
    const counted = async function* () {
      for await (const chunk of verifiedBody(c.req.raw, c.get("signedBody"))) {
        bytes += chunk.byteLength;
        yield chunk;
      }
    };
    // The input streams to its file; acceptInput removes the partial file when the stream fails
    // (too large, or not the body that was signed).
    await leases.acceptInput(c.get("lease").id, relative, counted());
    return c.json({ accepted: relative, bytes });
  });
  lease.post("/start", async (c) => {
    await readVerifiedBody(c.req.raw, c.get("signedBody"));
    const started = await leases.start(c.get("lease").id);
    return c.json({ phase: started.phase, message: started.message });
  });
  lease.get("/", async (c) => c.json(await leases.statusOf(c.get("lease").id)));

  const logStream = (c: Context) => {
    const which = c.req.query("stream") ?? "stdout";
    if (which !== "stdout" && which !== "stderr") throw problem(400, `stream must be stdout or stderr, got "${which}"`);
    return which;
  };
  const byteCount = (c: Context, name: string) => {
    const value = c.req.query(name) ?? "0";
    const n = Number(value);
    if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(n)) {
      throw problem(400, `${name} must be a byte count, got "${value}"`);
    }
    return n;
  };

  lease.get("/logs", async (c) => {
    const id = c.get("lease").id;
    const which = logStream(c);
    const offset = byteCount(c, "offset");
    const follow = c.req.query("follow") === "1" || c.req.query("follow") === "true";
    const file = leases.logFile(id, which, c.req.query("service"));
    c.header("content-type", "text/plain; charset=utf-8");
    c.header("x-ocx-log-offset", String(offset));
    if (!follow) {
      // A log read once: sign exactly the bytes sent, [offset, end as of now).
      const end = Math.max(offset, (await stat(file).catch(() => undefined))?.size ?? 0);
      const sha256 = await sha256Of(file, offset, end);
      c.header("content-length", String(end - offset));
      c.header("x-ocx-log-length", String(end - offset));
      for (const [name, value] of Object.entries(await sign({ leaseId: id, route: routeOf(c), bodySha256: sha256 }))) {
        c.header(name, value);
      }
      return stream(c, async (out) => {
        for await (const chunk of fileRange(file, offset, end)) await out.write(chunk);
      });
    }
    // A followed log streams before its end is known; the buyer checks what it received with a
    // signed digest afterwards (GET /leases/:id/logs/digest).
    return stream(c, async (out) => {
      let position = offset;
      for (;;) {
        const size = (await stat(file).catch(() => undefined))?.size ?? 0;
        if (size > position) {
          const end = Math.min(size, position + (1 << 20));
          for await (const chunk of fileRange(file, position, end)) {
            position += chunk.byteLength;
            await out.write(chunk);
          }
          continue;
        }
        const phase = options.store.getLease(id)?.phase;
        const live = phase === "pending" || phase === "acknowledged" || phase === "running" || phase === "stopping";
        if (!live || out.aborted) break;
        await grownOrAfter(file, 100);
      }
    });
  });

  // `ocx job shell`: a command in one service's sandbox, with a time and an output limit (services/exec.ts).
  lease.post("/exec", async (c) => {
    const body = new TextDecoder().decode(await readVerifiedBody(c.req.raw, c.get("signedBody")));
    return c.json(await leases.execInService(c.get("lease").id, body));
  });

  lease.get("/logs/digest", async (c) => {
    const id = c.get("lease").id;
    const which = logStream(c);
    const offset = byteCount(c, "offset");
    const length = byteCount(c, "length");
    const file = leases.logFile(id, which, c.req.query("service"));
    const size = (await stat(file).catch(() => undefined))?.size ?? 0;
    if (offset + length > size) {
      throw problem(409, `the ${which} log has ${size} bytes; it has no range [${offset}, ${offset + length})`, {
        size,
      });
    }
    const sha256 = await sha256Of(file, offset, offset + length);
    return c.json({ stream: which, offset, length, sha256 });
  });

  // A job's packed outputs, or what a service lease's services retain once it has ended.
  lease.get("/results", async (c) => {
    const record = options.store.getLease(c.get("lease").id) as LeaseRecord;
    if (!record.resultHash) {
      // A service lease's results are what its services retain, packed when it ends (services/retain.ts).
      const ended = FINAL_PHASES.includes(record.phase);
      const why =
        record.kind !== "service"
          ? ended
            ? `lease ${record.id} ended ${record.phase} without results: only a job its provider completed has them`
            : `results of lease ${record.id} are not ready: it is ${record.phase}`
          : ended
            ? `lease ${record.id} kept no files: its services retain none (services.<name>.retain), or keeping them failed (its status says why)`
            : `lease ${record.id} is ${record.phase}: what its services retain is packed into its results when it ends`;
      throw problem(409, why, { phase: record.phase });
    }
    const file = leases.files(record.id).results;
    const size = (await stat(file)).size;
    c.header("content-type", "application/gzip");
    c.header("content-length", String(size));
    c.header("x-ocx-result-sha256", record.resultHash);
    for (const [name, value] of Object.entries(
      await sign({ leaseId: record.id, route: routeOf(c), bodySha256: record.resultHash }),
    )) {
      c.header(name, value);
    }
    return stream(c, async (out) => {
      for await (const chunk of createReadStream(file)) await out.write(chunk as Uint8Array);
    });
  });

  app.route("/leases/:id", lease);
  app.route("/challenges", challengeRoutes({ opening: options.challengeOpening, sign }));
  if (options.spotChecks) {
    app.route("/spotchecks", spotCheckRoutes({ ...authOptions, findLease: options.findLease, ...options.spotChecks }));
  }
  return app;
}

export type ProviderApi = ReturnType<typeof createApi>;

/**
 * Resolves as soon as `file` changes (inotify, through fs.watch) or after `ms`, whichever comes first: a
 * followed log's first line reaches the buyer when it is written, not at the next poll. The timer bounds
 * the wait where watching is not possible (the file does not exist yet, or the platform has no watcher).
 */
function grownOrAfter(file: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const timer = setTimeout(done, ms);
    try {
      watcher = watch(file, { persistent: false }, done);
      watcher.on("error", done);
    } catch {
      // Not created yet: the timer wakes the loop.
    }
  });
}
