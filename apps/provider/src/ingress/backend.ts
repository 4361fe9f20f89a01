// The ingress's view of this node's service leases, built from what the node already has: the live leases in
// the store, the runtime's bridged ports (sockets), each port's `as`, accepted hosts and http limits from the
// lease's manifest, and the services' states from the lease's status (cached, so that a public client hitting
// a failing service cannot make the node read the chain on every request).
import type { IngressBackend, IngressEndpoint, IngressHttpOptions, IngressServiceState } from "./types.js";

/** A bridged port as the runtime lists it (`serviceEndpoints`). */
export interface RuntimeEndpoint {
  service: string;
  port: number;
  protocol: "http" | "tcp";
  expose: "public" | "internal";
  socketPath: string;
}

/** What the manifest says about a port beyond the runtime's list. */
export interface ManifestPortOptions {
  service: string;
  port: number;
  as?: number;
  hosts?: string[];
  http?: IngressHttpOptions;
}

/** How long a lease's service states are reused for error pages, in ms. */
const STATE_CACHE_MS = 2000;

/**
 * Builds the ingress backend over the node's parts.
 * @example
 * const backend = createLeaseBackend({
 *   liveLeases: () => store.liveLeases().filter((l) => l.kind === "service" && l.phase === "running").map((l) => l.id),
 *   endpoints: serviceEndpoints,
 *   portOptions: (id) => manifestPorts(store.getLease(id)?.manifest),
 *   states: async (id) => (await leases.statusOf(id))?.services,
 * });
 */
export function createLeaseBackend(deps: {
  liveLeases: () => bigint[];
  endpoints: (leaseId: bigint) => RuntimeEndpoint[];
  portOptions: (leaseId: bigint) => ManifestPortOptions[];
  states?: (leaseId: bigint) => Promise<{ name: string; state: string; reason?: string }[] | undefined>;
}): IngressBackend {
  const options = new Map<string, Map<string, ManifestPortOptions>>();
  const states = new Map<
    string,
    { at: number; services: Promise<{ name: string; state: string; reason?: string }[]> }
  >();
  const optionsOf = (leaseId: bigint) => {
    const key = leaseId.toString();
    let byPort = options.get(key);
    if (!byPort) {
      byPort = new Map(deps.portOptions(leaseId).map((o) => [`${o.service}/${o.port}`, o]));
      // A lease's manifest never changes: its options are read once (and dropped when the lease ends).
      if (byPort.size > 0) options.set(key, byPort);
    }
    return byPort;
  };
  return {
    leases() {
      const live = deps.liveLeases();
      const keep = new Set(live.map(String));
      for (const key of options.keys()) if (!keep.has(key)) options.delete(key);
      for (const key of states.keys()) if (!keep.has(key)) states.delete(key);
      return live;
    },
    endpoints(leaseId) {
      const runtime = deps.endpoints(leaseId);
      if (runtime.length === 0) return [];
      const byPort = optionsOf(leaseId);
      return runtime.map((e): IngressEndpoint => {
        const extra = byPort.get(`${e.service}/${e.port}`);
        return {
          ...e,
          ...(extra?.as !== undefined ? { as: extra.as } : {}),
          ...(extra?.hosts?.length ? { hosts: extra.hosts } : {}),
          ...(extra?.http ? { http: extra.http } : {}),
        };
      });
    },
    ...(deps.states
      ? {
          async serviceState(leaseId: bigint, service: string): Promise<IngressServiceState | undefined> {
            const key = leaseId.toString();
            let cached = states.get(key);
            if (!cached || Date.now() - cached.at > STATE_CACHE_MS) {
              cached = {
                at: Date.now(),
                services: (deps.states as NonNullable<typeof deps.states>)(leaseId).then(
                  (s) => s ?? [],
                  () => [],
                ),
              };
              states.set(key, cached);
            }
            const found = (await cached.services).find((s) => s.name === service);
            return found ? { state: found.state, ...(found.reason ? { reason: found.reason } : {}) } : undefined;
          },
        }
      : {}),
  };
}

/** The per-port options of a manifest's services (`as`, `hosts`, `http`), for `createLeaseBackend`. */
export function manifestPortOptions(
  services: readonly {
    name: string;
    ports: readonly { port: number; as?: number; hosts?: string[]; http?: IngressHttpOptions }[];
  }[],
): ManifestPortOptions[] {
  return services.flatMap((s) =>
    s.ports.map((p) => ({
      service: s.name,
      port: p.port,
      ...(p.as !== undefined ? { as: p.as } : {}),
      ...(p.hosts?.length ? { hosts: p.hosts } : {}),
      ...(p.http ? { http: p.http } : {}),
    })),
  );
}
