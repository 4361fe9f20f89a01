// What a provider says about a service lease's ports and services: the shapes the provider's API answers
// with (GET /leases/:id) and the SDK returns from `deployService` and `getServiceStatus`.

/** How buyers reach one public port of a service lease. */
export interface ServiceUrl {
  service: string;
  /** The port the service listens on inside the lease. */
  port: number;
  protocol: "http" | "tcp";
  /**
   * The URL to use: `http://l<lease>-<port>.<domain>/` when the provider has an ingress domain, else
   * `http://<host>:<ingressPort>/l/<lease>/<port>/`; `tcp://<host>:<hostPort>` for a plain TCP port.
   */
  url: string;
  /** Other URLs reaching the same port (the path-based fallback, hosts the manifest accepts). */
  also: string[];
}

/** The states of a service, as the provider's runtime reports them. */
export type ServiceStateName = "starting" | "healthy" | "unhealthy" | "restarting" | "crash-looping" | "stopped";

/** One service of a lease, as the provider reports it. */
export interface ServiceState {
  name: string;
  state: ServiceStateName | (string & {});
  /** Why it is in that state ("health check failed 3×"). */
  reason?: string;
  restarts?: number;
}
