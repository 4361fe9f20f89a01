// Plain TCP public ports: each gets a host port from the configured range, kept for the lease in SQLite (the
// same port after a provider restart) and given back when the lease ends. A connection to the host port is
// piped to the service's Unix socket.
import net from "node:net";
import type { Logger, Store } from "@ocx/node-kit";
import type { ConnectionCap } from "./http.js";
import type { IngressBackend, IngressEndpoint } from "./types.js";

/** A forwarded TCP port of a lease. */
export interface TcpAssignment {
  leaseId: bigint;
  service: string;
  port: number;
  hostPort: number;
}

/** Parses a port range such as "30000-30999"; throws with the field's name when it is not one. */
export function parsePortRange(text: string, field = "ingress.tcpPorts"): [number, number] {
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  const lo = Number(match?.[1]);
  const hi = Number(match?.[2]);
  if (!match || lo < 1 || hi > 65535 || lo > hi) {
    throw new Error(`${field} must be a range of ports such as "30000-30999" (low ≤ high, 1–65535), got "${text}"`);
  }
  return [lo, hi];
}

const TABLE = `CREATE TABLE IF NOT EXISTS ingress_tcp_port (
  lease_id TEXT NOT NULL,
  service TEXT NOT NULL,
  port INTEGER NOT NULL,
  host_port INTEGER NOT NULL UNIQUE,
  PRIMARY KEY (lease_id, service, port)
)`;

/**
 * Builds the TCP forwarder. `sync()` makes the listeners match the live leases' public TCP ports: it assigns
 * (lowest free port of the range), listens, and closes and forgets the ports of leases that ended.
 * @example
 * const tcp = createTcpForwarder({ db: store.db, range: [30000, 30999], host: "0.0.0.0", backend, cap, log });
 * await tcp.sync();
 */
export function createTcpForwarder(options: {
  db: Store;
  range: [number, number];
  host: string;
  backend: IngressBackend;
  cap: ConnectionCap;
  log: Logger;
}) {
  const { db, backend, cap, log } = options;
  db.exec(TABLE);
  const select = db.prepare("SELECT lease_id, service, port, host_port FROM ingress_tcp_port");
  const insert = db.prepare("INSERT INTO ingress_tcp_port (lease_id, service, port, host_port) VALUES (?, ?, ?, ?)");
  const remove = db.prepare("DELETE FROM ingress_tcp_port WHERE lease_id = ? AND service = ? AND port = ?");
  const listeners = new Map<number, { server: net.Server; sockets: Set<net.Socket> }>();
  /** Host ports that would not listen (in use by something else): skipped when assigning. */
  const busy = new Set<number>();
  let syncing: Promise<void> | undefined;

  const rows = (): TcpAssignment[] =>
    (select.all() as { lease_id: string; service: string; port: number; host_port: number }[]).map((r) => ({
      leaseId: BigInt(r.lease_id),
      service: r.service,
      port: r.port,
      hostPort: r.host_port,
    }));

  const keyOf = (leaseId: bigint, service: string, port: number) => `${leaseId}/${service}/${port}`;

  const listen = (assignment: TcpAssignment, endpoint: IngressEndpoint) =>
    new Promise<boolean>((resolve) => {
      const sockets = new Set<net.Socket>();
      const server = net.createServer((client) => {
        client.on("error", () => client.destroy());
        if (!cap.take(assignment.leaseId)) {
          log.info("ingress refused a TCP connection", { lease: assignment.leaseId, why: "connection cap" });
          client.destroy();
          return;
        }
        sockets.add(client);
        const service = net.connect(endpoint.socketPath);
        service.on("error", (error) => {
          log.debug("a forwarded TCP connection failed", { lease: assignment.leaseId, error: error.message });
          client.destroy();
        });
        client.once("close", () => {
          sockets.delete(client);
          cap.release(assignment.leaseId);
          service.destroy();
        });
        service.once("close", () => client.destroy());
        client.pipe(service).pipe(client);
      });
      server.once("error", (error: NodeJS.ErrnoException) => {
        log.warn("cannot listen on a forwarded TCP port", {
          lease: assignment.leaseId,
          hostPort: assignment.hostPort,
          error: error.code ?? error.message,
        });
        resolve(false);
      });
      server.listen(assignment.hostPort, options.host, () => {
        listeners.set(assignment.hostPort, { server, sockets });
        resolve(true);
      });
    });

  const stop = async (hostPort: number) => {
    const held = listeners.get(hostPort);
    if (!held) return;
    listeners.delete(hostPort);
    // A reset, not a close: the client sees the connection cut (ECONNRESET), never a clean end it could mistake
    // for the service's answer.
    for (const socket of held.sockets) socket.resetAndDestroy();
    await new Promise<void>((resolve) => held.server.close(() => resolve()));
  };

  const freePortFor = (taken: Set<number>) => {
    for (let p = options.range[0]; p <= options.range[1]; p++) if (!taken.has(p) && !busy.has(p)) return p;
    return undefined;
  };

  const syncOnce = async () => {
    const wanted = new Map<string, { leaseId: bigint; endpoint: IngressEndpoint }>();
    for (const leaseId of backend.leases()) {
      for (const endpoint of backend.endpoints(leaseId)) {
        if (endpoint.expose === "public" && endpoint.protocol === "tcp") {
          wanted.set(keyOf(leaseId, endpoint.service, endpoint.port), { leaseId, endpoint });
        }
      }
    }
    const held = rows();
    for (const row of held) {
      if (wanted.has(keyOf(row.leaseId, row.service, row.port))) continue;
      await stop(row.hostPort);
      remove.run(row.leaseId.toString(), row.service, row.port);
      log.info("released a forwarded TCP port: its lease ended", { lease: row.leaseId, hostPort: row.hostPort });
    }
    const taken = new Set(rows().map((r) => r.hostPort));
    for (const [key, { leaseId, endpoint }] of wanted) {
      let row = rows().find((r) => keyOf(r.leaseId, r.service, r.port) === key);
      if (row && listeners.has(row.hostPort)) continue;
      if (!row) {
        const hostPort = freePortFor(taken);
        if (hostPort === undefined) {
          log.warn("no free port left in ingress.tcpPorts for a public TCP port", {
            lease: leaseId,
            service: endpoint.service,
            port: endpoint.port,
            range: options.range.join("-"),
          });
          continue;
        }
        insert.run(leaseId.toString(), endpoint.service, endpoint.port, hostPort);
        taken.add(hostPort);
        row = { leaseId, service: endpoint.service, port: endpoint.port, hostPort };
      }
      if (await listen(row, endpoint)) {
        log.info("forwarding a public TCP port", {
          lease: leaseId,
          service: endpoint.service,
          port: endpoint.port,
          hostPort: row.hostPort,
        });
      } else {
        // Something else holds the port: give this lease another one on the next sync.
        busy.add(row.hostPort);
        remove.run(leaseId.toString(), endpoint.service, endpoint.port);
      }
    }
  };

  return {
    /** Makes the listeners match the live leases (serialized: a sync in progress is joined). */
    sync(): Promise<void> {
      syncing ??= syncOnce().finally(() => {
        syncing = undefined;
      });
      return syncing;
    },
    /** The host port of a lease's TCP port, once assigned. */
    hostPortOf(leaseId: bigint, service: string, port: number): number | undefined {
      return rows().find((r) => r.leaseId === leaseId && r.service === service && r.port === port)?.hostPort;
    },
    assignments: rows,
    /**
     * Closes a lease's forwarded ports now (their open connections too) and gives them back: called when the
     * lease starts to end, before its services stop, so that no connection is accepted only to be closed. A sync
     * in progress is waited for first, so that it cannot listen on them again.
     */
    async endLease(leaseId: bigint): Promise<number[]> {
      await syncing?.catch(() => {});
      const released: number[] = [];
      for (const row of rows()) {
        if (row.leaseId !== leaseId) continue;
        await stop(row.hostPort);
        remove.run(row.leaseId.toString(), row.service, row.port);
        released.push(row.hostPort);
      }
      return released;
    },
    /** Stops listening; the assignments stay for the next start. */
    async close() {
      await syncing?.catch(() => {});
      for (const hostPort of [...listeners.keys()]) await stop(hostPort);
    },
  };
}

export type TcpForwarder = ReturnType<typeof createTcpForwarder>;
