// The public HTTP side of the ingress: requests and WebSocket upgrades matched to a lease's public port
// (routing.ts) and passed to the service's Unix socket. Bodies stream both ways chunk by chunk, never
// buffered whole; the port's limits (body size, timeouts) and the per-lease connection cap are applied
// before a byte reaches the service.
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "@ocx/node-kit";
import type { IngressRefusal, IngressRoute, Router } from "./routing.js";
import { DEFAULT_HTTP_OPTIONS, type IngressBackend, type IngressHttpOptions } from "./types.js";

/** Headers that belong to one connection and are never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Counts the requests, WebSockets and TCP connections open per lease, against one cap. */
export function createConnectionCap(maxPerLease: number) {
  const open = new Map<string, number>();
  return {
    maxPerLease,
    /** Takes a slot for the lease; false when it holds `maxPerLease` already. Give it back with `release`. */
    take(leaseId: bigint): boolean {
      const key = leaseId.toString();
      const n = open.get(key) ?? 0;
      if (n >= maxPerLease) return false;
      open.set(key, n + 1);
      return true;
    },
    release(leaseId: bigint) {
      const key = leaseId.toString();
      const n = (open.get(key) ?? 1) - 1;
      if (n <= 0) open.delete(key);
      else open.set(key, n);
    },
    /** Open connections of a lease. */
    count: (leaseId: bigint) => open.get(leaseId.toString()) ?? 0,
  };
}
export type ConnectionCap = ReturnType<typeof createConnectionCap>;

/** Options of `createHttpIngress`. */
export interface HttpIngressOptions {
  router: Router;
  backend: IngressBackend;
  cap: ConnectionCap;
  log: Logger;
  /** Limits for ports whose manifest sets none. */
  defaults?: IngressHttpOptions;
  /** Counts what became of each request: "proxied", "websocket", or the status of a refusal ("404", "502", …). */
  onOutcome?: (outcome: string) => void;
}

/** An answer the ingress gives itself: a one-line text, and the reason in a header for scripts. */
function refusal(status: number, message: string): { status: number; headers: OutgoingHttpHeaders; body: string } {
  const body = `${message}\n`;
  return {
    status,
    body,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
      "x-ocx-ingress": "refused",
    },
  };
}

/** The headers sent to the service: the client's, less hop-by-hop ones, plus X-Forwarded-*. */
function forwardedHeaders(req: IncomingMessage, route: IngressRoute): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const named = new Set((req.headers.connection ?? "").split(",").map((h) => h.trim().toLowerCase()));
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    headers[name] = value;
  }
  const client = req.socket.remoteAddress ?? "";
  const previous = req.headers["x-forwarded-for"];
  headers["x-forwarded-for"] = previous ? `${previous}, ${client}` : client;
  headers["x-forwarded-proto"] = "http";
  if (req.headers.host) headers["x-forwarded-host"] = req.headers.host;
  if (route.prefix) headers["x-forwarded-prefix"] = route.prefix;
  return headers;
}

/** Response headers passed to the client: the service's, less hop-by-hop ones. */
function answerHeaders(res: IncomingMessage): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return headers;
}

/** How long a connection to a service is kept in the pool unused. */
const POOLED_IDLE_MS = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorCode = (error: unknown) => (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message;
/** The service's socket is absent or nobody listens behind it: it is (re)starting, or stopped. */
const notListening = (error: unknown) => ["ECONNREFUSED", "ENOENT", "ECONNRESET"].includes(String(errorCode(error)));

/**
 * Builds the HTTP side of the ingress: `handleRequest` and `handleUpgrade` for a node:http server.
 * @example
 * const ingress = createHttpIngress({ router, backend, cap: createConnectionCap(256), log });
 * const server = http.createServer(ingress.handleRequest).on("upgrade", ingress.handleUpgrade);
 */
export function createHttpIngress(options: HttpIngressOptions) {
  const { router, backend, cap, log } = options;
  const outcome = options.onOutcome ?? (() => {});
  const defaults = { ...DEFAULT_HTTP_OPTIONS, ...options.defaults };
  // One keep-alive pool for every service socket (the agent keys its pools by socket path).
  // A pooled connection idle for 2 s is dropped: services commonly close idle connections after 5 s (Node's
  // default), and a bridge in between may not pass that close on, leaving a connection that fails when reused.
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 16, timeout: POOLED_IDLE_MS });
  /** Open WebSocket tunnels, each as the function that closes it, by lease. */
  const tunnels = new Map<string, Set<() => void>>();
  /**
   * The connections that carry a lease's traffic, so that a lease that ends loses them at once: clients' sockets
   * whose request in flight (or, idle and kept alive, whose last request) was for the lease, and the sockets to
   * its services (in use or pooled). A client socket in flight for another lease is that lease's.
   */
  const clientLease = new Map<Socket, { leaseId: string; inFlight: number }>();
  const upstreams = new Map<string, Set<Socket>>();
  const track = <T>(map: Map<string, Set<T>>, leaseId: bigint, item: T) => {
    const key = leaseId.toString();
    const set = map.get(key) ?? new Set<T>();
    map.set(key, set);
    set.add(item);
    return () => {
      set.delete(item);
      if (set.size === 0 && map.get(key) === set) map.delete(key);
    };
  };
  /** Marks a client socket as carrying a request of the lease until the answer is done. */
  const clientRequest = (socket: Socket, leaseId: bigint, res: ServerResponse) => {
    const key = leaseId.toString();
    let held = clientLease.get(socket);
    if (!held) {
      socket.once("close", () => clientLease.delete(socket));
      held = { leaseId: key, inFlight: 0 };
      clientLease.set(socket, held);
    }
    if (held.leaseId !== key) {
      held.leaseId = key;
      held.inFlight = 0;
    }
    held.inFlight++;
    const entry = held;
    res.once("close", () => {
      if (entry.leaseId === key) entry.inFlight = Math.max(0, entry.inFlight - 1);
    });
  };

  const limitsOf = (route: IngressRoute) => ({ ...defaults, ...route.endpoint.http });

  /** Why a service cannot be reached: its state from the runtime when it knows one. */
  const unreachable = async (route: IngressRoute, error: unknown) => {
    const { service } = route.endpoint;
    const state = await Promise.resolve(backend.serviceState?.(route.leaseId, service)).catch(() => undefined);
    const why = state
      ? `service ${service} is ${state.state}${state.reason ? ` (${state.reason})` : ""}`
      : `service ${service} does not answer on port ${route.endpoint.port} (${errorCode(error)})`;
    return `${why}; lease ${route.leaseId}: try again shortly, or see \`ocx job status ${route.leaseId}\``;
  };

  const upstreamLease = new WeakMap<Socket, bigint>();

  const decide = (req: IncomingMessage): IngressRoute | IngressRefusal =>
    router.route(req.headers.host, req.url ?? "/");

  /** Connects to the service, retrying a refused connection (a restart) up to `nextTries` for bodiless requests. */
  const open = async (
    route: IngressRoute,
    req: IncomingMessage,
    tries: number,
    pooled: boolean,
  ): Promise<{ upstream: http.ClientRequest } | { error: unknown }> => {
    for (let attempt = 1; ; attempt++) {
      const upstream = http.request({
        socketPath: route.endpoint.socketPath,
        method: req.method,
        path: route.path,
        headers: forwardedHeaders(req, route),
        agent: pooled ? agent : false,
      });
      const outcome = await new Promise<{ upstream: http.ClientRequest } | { error: unknown }>((resolve) => {
        upstream.once("socket", (socket: Socket) => {
          if (!upstreamLease.has(socket)) {
            upstreamLease.set(socket, route.leaseId);
            const untrack = track(upstreams, route.leaseId, socket);
            socket.once("close", () => {
              untrack();
              upstreamLease.delete(socket);
            });
          }
          // A pooled socket is already connected; a new one says when it is.
          if (!socket.connecting) resolve({ upstream });
          else socket.once("connect", () => resolve({ upstream }));
        });
        upstream.once("error", (error) => resolve({ error }));
      });
      if ("upstream" in outcome || attempt >= tries || !notListening(outcome.error)) {
        if ("upstream" in outcome) upstream.removeAllListeners("error");
        return outcome;
      }
      await sleep(100 * attempt);
    }
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    const route = decide(req);
    const answer = (status: number, message: string, why: string) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const r = refusal(status, message);
      res.writeHead(r.status, r.headers).end(r.body);
      outcome(String(status));
      const fields = { status, host: req.headers.host, path: req.url, why };
      if (status === 404) log.debug("ingress refused a request", fields);
      else log.info("ingress refused a request", fields);
    };
    const declared = Number(req.headers["content-length"] ?? 0);
    const hasBody = declared > 0 || req.headers["transfer-encoding"] !== undefined;
    if ("status" in route) {
      // A body is never read for a refusal: its connection closes after the answer.
      if (hasBody) res.shouldKeepAlive = false;
      return answer(route.status, route.message, "no such public port");
    }
    if (route.redirect && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(308, { location: route.redirect, "content-length": 0 }).end();
      return;
    }
    const limits = limitsOf(route);
    if (declared > limits.maxBodyBytes) {
      res.shouldKeepAlive = false;
      return answer(
        413,
        `the request body of ${declared} bytes is above the ${limits.maxBodyBytes} bytes that port ${route.endpoint.port} of lease ${route.leaseId} accepts (http.maxBodyBytes in its manifest)`,
        "body too large",
      );
    }
    if (!cap.take(route.leaseId)) {
      res.shouldKeepAlive = false;
      res.setHeader("retry-after", "1");
      return answer(
        503,
        `lease ${route.leaseId} has ${cap.maxPerLease} connections open, the most this provider allows one lease: try again shortly`,
        "connection cap",
      );
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      cap.release(route.leaseId);
    };
    res.once("close", release);
    clientRequest(req.socket, route.leaseId, res);
    void proxy(route, req, res, limits, hasBody, answer).catch((error: Error) => {
      log.warn("ingress proxy failed", { lease: route.leaseId, error: error.message });
      answer(502, `the ingress failed to reach service ${route.endpoint.service}: ${error.message}`, "proxy error");
    });
  };

  /**
   * Passes one request to the service and its answer back. A request with a body goes on a new connection (a
   * pooled one the service closed meanwhile would lose the body); one without goes on a pooled connection, and
   * when that connection turns out closed before any answer came, again on a new one.
   */
  const proxy = async (
    route: IngressRoute,
    req: IncomingMessage,
    res: ServerResponse,
    limits: Required<IngressHttpOptions>,
    hasBody: boolean,
    answer: (status: number, message: string, why: string) => void,
  ) => {
    // Nothing to read of a bodiless request: let it end, so its connection can take the next one.
    if (!hasBody) req.resume();
    for (let attempt = 1; ; attempt++) {
      const pooled = !hasBody && attempt === 1;
      const opened = await open(route, req, hasBody ? 1 : Math.max(1, limits.nextTries), pooled);
      if ("error" in opened) return answer(502, await unreachable(route, opened.error), "service not listening");
      const outcome = await exchange(route, req, res, limits, hasBody, answer, opened.upstream);
      if (outcome !== "stale" || attempt >= 2) return;
      log.debug("a pooled connection to the service was closed; retrying on a new one", { lease: route.leaseId });
    }
  };

  /** One exchange with the service; "stale" when a reused connection failed before anything was answered. */
  const exchange = (
    route: IngressRoute,
    req: IncomingMessage,
    res: ServerResponse,
    limits: Required<IngressHttpOptions>,
    hasBody: boolean,
    answer: (status: number, message: string, why: string) => void,
    upstream: http.ClientRequest,
  ) =>
    new Promise<"done" | "stale">((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const idle = (ms: number, onTimeout: () => void) => {
        clearTimeout(timer);
        timer = setTimeout(onTimeout, ms);
      };
      const done = () => clearTimeout(timer);
      const onClientGone = () => {
        done();
        // The client went away before the answer was complete: stop the service's side too.
        if (!res.writableFinished) upstream.destroy();
      };
      res.once("close", onClientGone);
      upstream.on("error", (error) => {
        done();
        // Already answered (413, 504): the service's side was cut on purpose.
        if (res.writableEnded) return resolve("done");
        if (res.headersSent) {
          res.destroy();
          return resolve("done");
        }
        if (!hasBody && upstream.reusedSocket && !res.writableEnded) {
          res.off("close", onClientGone);
          return resolve("stale");
        }
        void unreachable(route, error).then((message) => answer(502, message, "service connection failed"));
        resolve("done");
      });
      const waitForAnswer = () =>
        idle(limits.readTimeoutMs, () => {
          upstream.destroy();
          answer(
            504,
            `service ${route.endpoint.service} of lease ${route.leaseId} sent nothing for ${limits.readTimeoutMs} ms (http.readTimeoutMs)`,
            "read timeout",
          );
        });
      upstream.on("response", (answerOfService) => {
        resolve("done");
        outcome("proxied");
        res.writeHead(answerOfService.statusCode ?? 502, answerOfService.statusMessage, answerHeaders(answerOfService));
        // Headers go out now, not with the first chunk: a client sees the answer start at once.
        res.flushHeaders();
        waitForAnswer();
        answerOfService.on("data", (chunk: Buffer) => {
          waitForAnswer();
          // Each chunk is written as it comes (no buffering); back-pressure pauses the service's side.
          if (!res.write(chunk)) {
            answerOfService.pause();
            res.once("drain", () => answerOfService.resume());
          }
        });
        answerOfService.on("end", () => {
          done();
          res.end();
        });
        answerOfService.on("error", () => res.destroy());
      });
      if (!hasBody) {
        upstream.end();
        waitForAnswer();
        return;
      }
      // The request body streams to the service, counted against the port's limit.
      let sent = 0;
      const stalled = () =>
        idle(limits.sendTimeoutMs, () => {
          upstream.destroy();
          answer(
            504,
            `the request body to service ${route.endpoint.service} paused for more than ${limits.sendTimeoutMs} ms (http.sendTimeoutMs)`,
            "send timeout",
          );
        });
      stalled();
      req.on("data", (chunk: Buffer) => {
        sent += chunk.byteLength;
        if (sent > limits.maxBodyBytes) {
          req.pause();
          upstream.destroy();
          res.shouldKeepAlive = false;
          answer(
            413,
            `the request body is above the ${limits.maxBodyBytes} bytes that port ${route.endpoint.port} of lease ${route.leaseId} accepts (http.maxBodyBytes in its manifest)`,
            "body too large",
          );
          return;
        }
        stalled();
        if (!upstream.write(chunk)) {
          req.pause();
          upstream.once("drain", () => req.resume());
        }
      });
      req.on("end", () => {
        upstream.end();
        waitForAnswer();
      });
      req.on("error", () => upstream.destroy());
    });

  /** A WebSocket (any HTTP/1.1 upgrade): the handshake goes to the service, then the raw sockets are piped. */
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, message: string, why: string) => {
      const r = refusal(status, message);
      const lines = Object.entries({ ...r.headers, connection: "close" }).map(([k, v]) => `${k}: ${v}`);
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${lines.join("\r\n")}\r\n\r\n${r.body}`);
      outcome(String(status));
      log.info("ingress refused an upgrade", { status, host: req.headers.host, path: req.url, why });
    };
    socket.on("error", () => socket.destroy());
    const route = decide(req);
    if ("status" in route) return refuse(route.status, route.message, "no such public port");
    if (!cap.take(route.leaseId)) {
      return refuse(
        503,
        `lease ${route.leaseId} has ${cap.maxPerLease} connections open, the most this provider allows one lease: try again shortly`,
        "connection cap",
      );
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      cap.release(route.leaseId);
    };
    socket.once("close", release);
    const headers = forwardedHeaders(req, route);
    headers.connection = "Upgrade";
    if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
    const upstream = http.request({
      socketPath: route.endpoint.socketPath,
      method: req.method,
      path: route.path,
      headers,
      agent: false,
    });
    upstream.on("error", (error) => {
      void unreachable(route, error).then((message) => {
        if (socket.writable && !socket.destroyed) refuse(502, message, "service not listening");
      });
    });
    upstream.on("upgrade", (answer, serviceSocket, serviceHead) => {
      const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
      for (let i = 0; i < answer.rawHeaders.length; i += 2)
        lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (serviceHead.length > 0) socket.write(serviceHead);
      if (head.length > 0) serviceSocket.write(head);
      const both = () => {
        socket.destroy();
        serviceSocket.destroy();
        untrack();
      };
      const untrack = track(tunnels, route.leaseId, both);
      // A WebSocket closes with frames before its TCP close: when either side ends, the tunnel is over
      // (the server's sockets allow half-open connections, which would otherwise stay open).
      for (const side of [socket, serviceSocket]) {
        side.on("error", both);
        side.on("close", both);
        side.on("end", () => setTimeout(both, 1000).unref());
      }
      serviceSocket.pipe(socket);
      socket.pipe(serviceSocket);
      outcome("websocket");
      log.debug("ingress opened a websocket", { lease: route.leaseId, service: route.endpoint.service });
    });
    // The service answered without upgrading: pass its answer on and close.
    upstream.on("response", (answer) => {
      const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
      for (let i = 0; i < answer.rawHeaders.length; i += 2) {
        const name = answer.rawHeaders[i] as string;
        if (!HOP_BY_HOP.has(name.toLowerCase())) lines.push(`${name}: ${answer.rawHeaders[i + 1]}`);
      }
      lines.push("connection: close");
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      answer.pipe(socket);
    });
    upstream.end();
  };

  return {
    handleRequest,
    handleUpgrade,
    /**
     * Ends every connection of a lease that is ending, at once: requests in flight (their clients see the
     * connection close), clients' kept-alive connections whose last request was for it, its WebSockets, and the
     * connections to its services. New requests are refused by the router once the lease is no longer live.
     */
    endLease(leaseId: bigint): { requests: number; idle: number; websockets: number; upstream: number } {
      const key = leaseId.toString();
      const ended = { requests: 0, idle: 0, websockets: 0, upstream: 0 };
      for (const [socket, held] of clientLease) {
        if (held.leaseId !== key) continue;
        if (held.inFlight > 0) ended.requests++;
        else ended.idle++;
        socket.destroy();
      }
      for (const close of [...(tunnels.get(key) ?? [])]) {
        ended.websockets++;
        close();
      }
      for (const socket of [...(upstreams.get(key) ?? [])]) {
        ended.upstream++;
        socket.destroy();
      }
      return ended;
    },
    /** Closes the pooled service connections and every open WebSocket. */
    close: () => {
      agent.destroy();
      for (const set of [...tunnels.values()]) for (const close of [...set]) close();
    },
  };
}
