// Which lease and port a public request is for: by host name (`l<lease>-<port>.<domain>`, or a host the buyer
// asked for in `accept`) or by the path-based fallback `/l/<lease>/<port>/…`, which works without any DNS.
import type { IngressBackend, IngressEndpoint } from "./types.js";

/** A request matched to a public port of a lease. */
export interface IngressRoute {
  leaseId: bigint;
  endpoint: IngressEndpoint;
  /** The path and query the service sees (the `/l/<lease>/<port>` prefix stripped). */
  path: string;
  /** The stripped prefix (sent as X-Forwarded-Prefix), or undefined for host-based routes. */
  prefix?: string;
  /** `/l/<lease>/<port>` without its slash: the client is sent to the folder form first. */
  redirect?: string;
}

/** A request the ingress answers itself, with the reason. */
export interface IngressRefusal {
  status: 404 | 421;
  message: string;
}

/** The public port number of an endpoint in URLs: its `as`, else its own port. */
export const publicPortOf = (endpoint: IngressEndpoint) => endpoint.as ?? endpoint.port;

const PATH_ROUTE = /^\/l\/(\d{1,78})\/(\d{1,5})(\/.*)?$/;

/** The host name of a Host header, lower case, without its port and trailing dot. */
export function hostOf(header: string | undefined): string {
  if (!header) return "";
  const host = header.startsWith("[") ? header.slice(0, header.indexOf("]") + 1) : header.replace(/:\d+$/, "");
  return host.toLowerCase().replace(/\.$/, "");
}

/**
 * Builds the router over the runtime. Accepted host names are looked up in a table rebuilt at most once a
 * second; a host name two leases ask for goes to the older lease (the lower id), and a name under the
 * provider's own domain is never accepted from a manifest (it would capture another lease's URL).
 * @example
 * const router = createRouter({ backend, domain: "ingress.example.com" });
 * const route = router.route("l12-8080.ingress.example.com", "/api?x=1");
 */
export function createRouter(options: {
  backend: IngressBackend;
  domain?: string;
  /** Says what the table left out (a host two leases asked for). */
  onConflict?: (host: string, kept: bigint, refused: bigint) => void;
}) {
  const { backend } = options;
  const domain = options.domain?.toLowerCase().replace(/^\.|\.$/g, "");
  const hostRoute = domain ? new RegExp(`^l(\\d{1,78})-(\\d{1,5})\\.${domain.replace(/\./g, "\\.")}$`) : undefined;
  let table = new Map<string, { leaseId: bigint; endpoint: IngressEndpoint }>();
  let builtAt = 0;

  const acceptedHosts = () => {
    if (Date.now() - builtAt < 1000) return table;
    const next = new Map<string, { leaseId: bigint; endpoint: IngressEndpoint }>();
    const leases = [...backend.leases()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const leaseId of leases) {
      for (const endpoint of backend.endpoints(leaseId)) {
        if (endpoint.expose !== "public" || endpoint.protocol !== "http") continue;
        for (const raw of endpoint.hosts ?? []) {
          const host = hostOf(raw);
          if (!host || (domain && (host === domain || host.endsWith(`.${domain}`)))) continue;
          const held = next.get(host);
          if (held) {
            if (held.leaseId !== leaseId) options.onConflict?.(host, held.leaseId, leaseId);
            continue;
          }
          next.set(host, { leaseId, endpoint });
        }
      }
    }
    table = next;
    builtAt = Date.now();
    return table;
  };

  /** The public HTTP port `port` of lease `leaseId`, or why there is none (internal and TCP ports included). */
  const find = (leaseId: bigint, port: number): IngressEndpoint | IngressRefusal => {
    const endpoints = backend.endpoints(leaseId);
    if (endpoints.length === 0) {
      return { status: 404, message: `no service lease ${leaseId} runs on this provider (it may have ended)` };
    }
    const endpoint =
      endpoints.find((e) => e.expose === "public" && publicPortOf(e) === port) ??
      endpoints.find((e) => e.expose === "public" && e.port === port);
    if (!endpoint) {
      const ports = endpoints.filter((e) => e.expose === "public" && e.protocol === "http").map(publicPortOf);
      return {
        status: 404,
        message: `lease ${leaseId} has no public HTTP port ${port}${ports.length ? `; its public HTTP ports: ${ports.join(", ")}` : ""}`,
      };
    }
    if (endpoint.protocol !== "http") {
      return {
        status: 404,
        message: `port ${port} of lease ${leaseId} is a plain TCP port: connect to its forwarded TCP port (see \`ocx job status ${leaseId}\`)`,
      };
    }
    return endpoint;
  };

  return {
    /** Matches a request by its Host header and path (with query). */
    route(hostHeader: string | undefined, url: string): IngressRoute | IngressRefusal {
      const host = hostOf(hostHeader);
      const byName = hostRoute?.exec(host);
      if (byName) {
        const found = find(BigInt(byName[1] as string), Number(byName[2]));
        return "status" in found ? found : { leaseId: BigInt(byName[1] as string), endpoint: found, path: url };
      }
      if (domain && host.endsWith(`.${domain}`)) {
        return {
          status: 404,
          message: `${host} names no lease: service hosts look like l<lease>-<port>.${domain}`,
        };
      }
      const accepted = host ? acceptedHosts().get(host) : undefined;
      if (accepted) return { ...accepted, path: url };
      const q = url.indexOf("?");
      const pathname = q < 0 ? url : url.slice(0, q);
      const byPath = PATH_ROUTE.exec(pathname);
      if (!byPath) {
        return {
          status: 404,
          message: `no service at ${pathname}: service URLs look like /l/<lease>/<port>/${domain ? ` or http://l<lease>-<port>.${domain}/` : ""}`,
        };
      }
      const leaseId = BigInt(byPath[1] as string);
      const found = find(leaseId, Number(byPath[2]));
      if ("status" in found) return found;
      const prefix = `/l/${byPath[1]}/${byPath[2]}`;
      const rest = byPath[3] ?? "";
      const query = q < 0 ? "" : url.slice(q);
      return {
        leaseId,
        endpoint: found,
        path: `${rest || "/"}${query}`,
        prefix,
        ...(rest === "" ? { redirect: `${prefix}/${query}` } : {}),
      };
    },
  };
}

export type Router = ReturnType<typeof createRouter>;
