// The provider's ingress: a public HTTP/WebSocket listener that routes to service leases' public ports
// (host names or /l/<lease>/<port>/), and forwarded plain TCP ports. It reaches services only through the
// runtime's Unix sockets; internal ports have none exposed here and are never reachable.
import http from "node:http";
import { Counter, type Logger, type Registry, type Store } from "@ocx/node-kit";
import type { ServiceUrl } from "@ocx/sdk";
import { createConnectionCap, createHttpIngress } from "./http.js";
import { createRouter, publicPortOf } from "./routing.js";
import { createTcpForwarder, parsePortRange } from "./tcp.js";
import type { IngressBackend, IngressHttpOptions } from "./types.js";

export { createLeaseBackend, type ManifestPortOptions, manifestPortOptions, type RuntimeEndpoint } from "./backend.js";
export { createConnectionCap, createHttpIngress } from "./http.js";
export { createRouter, hostOf, publicPortOf } from "./routing.js";
export { createTcpForwarder, parsePortRange } from "./tcp.js";
export * from "./types.js";

/** Options of `startIngress`. */
export interface IngressOptions {
  /** host:port to listen on for HTTP (port 0: any free port). */
  listen: string;
  /**
   * When `listen` is a default rather than the operator's choice: if its port is taken, listen on any free
   * port instead (logged) rather than fail the node.
   */
  anyPortIfTaken?: boolean;
  /** The base URL buyers reach the listener at (behind NAT or a proxy); default: http://<listen host>:<port>. */
  publicUrl?: string;
  /** With a wildcard DNS record *.<domain> pointing here: service URLs http://l<lease>-<port>.<domain>/. */
  domain?: string;
  /** Host ports for plain TCP public ports, e.g. "30000-30999". */
  tcpPorts: string;
  /** Open requests, WebSockets and TCP connections one lease may hold at once. */
  maxConnectionsPerLease: number;
  /** Limits for ports whose manifest sets none. */
  defaults?: IngressHttpOptions;
  /** How often the TCP listeners are matched to the live leases, in ms (default 1000). */
  syncIntervalMs?: number;
  backend: IngressBackend;
  /** The provider's SQLite database: forwarded TCP ports are kept there. */
  db: Store;
  log: Logger;
  /** The node's metrics: `ocx_provider_ingress_requests_total{outcome}` is counted there. */
  metrics?: Registry;
}

/** A running ingress. */
export interface Ingress {
  /** The base URL of the HTTP listener as buyers reach it. */
  url: string;
  /** How buyers reach each public port of a lease ([] for none). */
  urlsOf(leaseId: bigint): ServiceUrl[];
  /** Matches the TCP listeners to the live leases now (also done on a timer). */
  sync(): Promise<void>;
  status(): Record<string, unknown>;
  /**
   * Ends a lease's public traffic at once, before its services stop: its forwarded TCP ports stop listening and
   * are given back, and its HTTP requests in flight, kept-alive connections, WebSockets and connections to its
   * services are closed. The node calls it when a service lease starts to end.
   */
  endLease(leaseId: bigint): Promise<void>;
  close(): Promise<void>;
}

function splitHostPort(listen: string): [string, number] {
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match) throw new Error(`ingress.listen must be host:port, got "${listen}"`);
  return [(match[1] as string).replace(/^\[|\]$/g, ""), Number(match[2])];
}

/**
 * Starts the ingress: listens, forwards the TCP ports of the live leases, and keeps them in step.
 * @example
 * const ingress = await startIngress({ listen: "0.0.0.0:8444", tcpPorts: "30000-30999",
 *   maxConnectionsPerLease: 256, backend, db: store.db, log });
 * console.log(ingress.urlsOf(12n)); // [{ service: "web", port: 8080, url: "http://…/l/12/8080/", … }]
 */
export async function startIngress(options: IngressOptions): Promise<Ingress> {
  const { backend, log } = options;
  const [host, port] = splitHostPort(options.listen);
  const range = parsePortRange(options.tcpPorts);
  const cap = createConnectionCap(options.maxConnectionsPerLease);
  const router = createRouter({
    backend,
    ...(options.domain ? { domain: options.domain } : {}),
    onConflict: (name, kept, refused) =>
      log.warn("two leases accept the same host name; the older lease keeps it", { host: name, kept, refused }),
  });
  const requests = options.metrics
    ? new Counter({
        name: "ocx_provider_ingress_requests_total",
        help: "Public requests through the ingress by outcome: proxied, websocket, or the status of a refusal",
        labelNames: ["outcome"],
        registers: [options.metrics],
      })
    : undefined;
  const proxy = createHttpIngress({
    router,
    backend,
    cap,
    log,
    onOutcome: (outcome) => requests?.inc({ outcome }),
    ...(options.defaults ? { defaults: options.defaults } : {}),
  });
  // Streaming bodies have no overall deadline (the port's idle timeouts apply); headers must come within 60 s.
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, noDelay: true }, proxy.handleRequest);
  server.on("upgrade", proxy.handleUpgrade);
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
  });
  const listenOn = (onPort: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(error);
      server.once("error", onError);
      server.listen(onPort, host, () => {
        server.off("error", onError);
        resolve();
      });
    });
  try {
    await listenOn(port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EADDRINUSE") throw error;
    if (!options.anyPortIfTaken || port === 0) {
      throw new Error(
        `ingress.listen ${options.listen} is already in use: stop what listens there or pick another port`,
      );
    }
    await listenOn(0);
    log.warn("the ingress's default port is taken; listening on another one (set ingress.listen for a fixed one)", {
      wanted: options.listen,
    });
  }
  const bound = server.address();
  const boundPort = typeof bound === "object" && bound ? bound.port : port;
  const shownHost = host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
  const url = (
    options.publicUrl ?? `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${boundPort}`
  ).replace(/\/$/, "");
  const tcpHost = new URL(url).hostname;
  const tcp = createTcpForwarder({ db: options.db, range, host, backend, cap, log });
  await tcp.sync();
  const timer = setInterval(() => {
    tcp
      .sync()
      .catch((error: Error) =>
        log.warn("matching the forwarded TCP ports failed; will retry", { error: error.message }),
      );
  }, options.syncIntervalMs ?? 1000);
  timer.unref();
  const domain = options.domain?.toLowerCase().replace(/^\.|\.$/g, "");

  const urlsOf = (leaseId: bigint): ServiceUrl[] => {
    const out: ServiceUrl[] = [];
    for (const endpoint of backend.endpoints(leaseId)) {
      if (endpoint.expose !== "public") continue;
      const shown = publicPortOf(endpoint);
      if (endpoint.protocol === "tcp") {
        const hostPort = tcp.hostPortOf(leaseId, endpoint.service, endpoint.port);
        if (hostPort === undefined) {
          // Not assigned yet (the lease just started): assign now rather than at the next tick.
          void tcp.sync().catch(() => {});
          continue;
        }
        out.push({
          service: endpoint.service,
          port: endpoint.port,
          protocol: "tcp",
          url: `tcp://${tcpHost}:${hostPort}`,
          also: [],
        });
        continue;
      }
      const byPath = `${url}/l/${leaseId}/${shown}/`;
      const byHost = domain ? `http://l${leaseId}-${shown}.${domain}/` : undefined;
      const accepted = (endpoint.hosts ?? []).map((h) => `http://${h}/`);
      out.push({
        service: endpoint.service,
        port: endpoint.port,
        protocol: "http",
        url: byHost ?? byPath,
        also: [...(byHost ? [byPath] : []), ...accepted],
      });
    }
    return out;
  };

  log.info("ingress is up", {
    url,
    services: `${url}/l/<lease>/<port>/`,
    ...(domain ? { hosts: `http://l<lease>-<port>.${domain}/` } : {}),
    tcpPorts: options.tcpPorts,
    maxConnectionsPerLease: options.maxConnectionsPerLease,
  });
  return {
    url,
    urlsOf,
    sync: () => tcp.sync(),
    status: () => ({ url, ...(domain ? { domain } : {}), tcpPorts: tcp.assignments().length }),
    async endLease(leaseId) {
      const tcpPorts = await tcp.endLease(leaseId);
      const ended = proxy.endLease(leaseId);
      log.info("ended a closing lease's public connections", {
        lease: leaseId,
        ...ended,
        tcpPorts: tcpPorts.join(","),
      });
    },
    async close() {
      clearInterval(timer);
      await tcp.close();
      proxy.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
