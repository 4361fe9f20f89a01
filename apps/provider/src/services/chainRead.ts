// Chain reads for a service lease that declares `chain: read`: an HTTP JSON-RPC server on a Unix
// socket outside the lease (`<leaseDir>/chain.sock`) that the port bridge reaches from
// 127.0.0.1:<CHAIN_READ_PORT> inside the lease's network (its reverse entries). It forwards to the
// node's own RPC only the read methods a payee needs (a fixed allow-list); anything else is a JSON-RPC
// error naming the method. Bodies are capped and each lease is rate limited. A lease has no other
// route to the chain, and no key: it can read, never send.
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Logger } from "@ocx/node-kit";

/** The JSON-RPC methods a lease may call: the reads a payee needs. Everything else is refused. */
export const CHAIN_READ_METHODS: ReadonlySet<string> = new Set([
  "eth_chainId",
  "eth_blockNumber",
  "eth_call",
  "eth_getCode",
  "eth_getBalance",
  "eth_getBlockByNumber",
]);

/** The port inside a lease's network where its chain reads are served (OCX_CHAIN_RPC_URL), unless a service declares it. */
export const CHAIN_READ_PORT = 8545;
/** The largest request body taken, in bytes (a batch of calls fits easily). */
export const CHAIN_READ_MAX_BODY_BYTES = 64 * 1024;
/** Calls per lease per second (a token bucket of this size, refilled continuously). */
export const CHAIN_READ_CALLS_PER_SECOND = 50;
/** The most calls in one batch. */
export const CHAIN_READ_MAX_BATCH = 20;

/** Sends one read to the node's chain (the node's public client's `request`). */
export type ChainRequest = (call: { method: string; params?: unknown }) => Promise<unknown>;

interface JsonRpcCall {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const rpcError = (id: unknown, code: number, message: string) => ({
  jsonrpc: "2.0",
  id: id ?? null,
  error: { code, message },
});

/**
 * Serves a lease's chain reads on the Unix socket `socketPath` until closed.
 * @example
 * const server = await startChainReadServer({ socketPath: `${root}/chain.sock`, request: (c) => reader.request(c as never), log });
 */
export async function startChainReadServer(options: {
  socketPath: string;
  request: ChainRequest;
  log: Logger;
  callsPerSecond?: number;
}): Promise<{ close(): Promise<void> }> {
  const { log } = options;
  const rate = options.callsPerSecond ?? CHAIN_READ_CALLS_PER_SECOND;
  let tokens = rate;
  let refilled = Date.now();
  /** Takes `n` calls from the bucket; false when the lease is over its rate. */
  const take = (n: number) => {
    const now = Date.now();
    tokens = Math.min(rate, tokens + ((now - refilled) / 1000) * rate);
    refilled = now;
    if (tokens < n) return false;
    tokens -= n;
    return true;
  };

  const answer = async (call: JsonRpcCall): Promise<unknown> => {
    if (typeof call !== "object" || call === null || typeof call.method !== "string")
      return rpcError(call?.id, -32600, "not a JSON-RPC request: it needs a method");
    if (!CHAIN_READ_METHODS.has(call.method)) {
      log.info("chain read refused", { method: call.method.slice(0, 64) });
      return rpcError(
        call.id,
        -32601,
        `method ${call.method.slice(0, 64)} is not allowed: a lease reads the chain only (${[...CHAIN_READ_METHODS].join(", ")})`,
      );
    }
    try {
      const result = await options.request({ method: call.method, params: call.params });
      return { jsonrpc: "2.0", id: call.id ?? null, result };
    } catch (error) {
      const e = error as {
        code?: number;
        shortMessage?: string;
        message?: string;
        data?: unknown;
        cause?: { data?: unknown };
      };
      const data = e.data ?? e.cause?.data;
      return {
        jsonrpc: "2.0",
        id: call.id ?? null,
        error: {
          code: typeof e.code === "number" ? e.code : -32603,
          message: e.shortMessage ?? e.message ?? "the chain did not answer",
          ...(data !== undefined ? { data } : {}),
        },
      };
    }
  };

  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST") return reply(405, rpcError(null, -32600, "send JSON-RPC with POST"));
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > CHAIN_READ_MAX_BODY_BYTES) {
      req.resume();
      return reply(413, rpcError(null, -32600, `the body is over ${CHAIN_READ_MAX_BODY_BYTES} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > CHAIN_READ_MAX_BODY_BYTES) {
        over = true;
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", () => {});
    req.on("end", () => {
      if (over) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return reply(400, rpcError(null, -32700, "the body is not JSON"));
      }
      const batch = Array.isArray(body);
      const calls = (batch ? body : [body]) as JsonRpcCall[];
      if (calls.length === 0 || calls.length > CHAIN_READ_MAX_BATCH)
        return reply(400, rpcError(null, -32600, `a batch holds 1 to ${CHAIN_READ_MAX_BATCH} calls`));
      if (!take(calls.length)) {
        log.warn("chain reads over the lease's rate", { calls: calls.length, perSecond: rate });
        return reply(429, rpcError(null, -32005, `over ${rate} chain reads a second for this lease: slow down`));
      }
      void Promise.all(calls.map(answer)).then((answers) => reply(200, batch ? answers : answers[0]));
    });
  });
  rmSync(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.socketPath, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        rmSync(options.socketPath, { force: true });
      }),
  };
}
