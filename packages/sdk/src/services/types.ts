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

/** One service of a lease as the provider's status reports it (the fields the SDK reads). */
export interface ServiceStatusEntry {
  name: string;
  /** starting | healthy | unhealthy | restarting | crash-looping | stopped */
  state: string;
  /** Why it is in its state, in words. */
  reason: string;
  /** Restarts since the lease started. */
  restarts: number;
}

/** What a command run in a service's sandbox did (`POST /leases/:id/exec`, `ocx job shell`). */
export interface ServiceExecResult {
  /** Its exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  /** Killed at its time limit. */
  timedOut: boolean;
  durationMs: number;
  /** Its output, up to the provider's limit per stream (1 MiB). */
  stdout: string;
  stderr: string;
  /** Bytes it wrote in all: more than `stdout`/`stderr` hold when over the limit. */
  stdoutBytes: number;
  stderrBytes: number;
}
