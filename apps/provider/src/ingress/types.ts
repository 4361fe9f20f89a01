// What the ingress needs from the service runtime: the live service leases, each one's declared ports with
// the Unix socket that reaches it inside the lease's private network, and each service's state for error pages.

/** Limits on one public HTTP port (the manifest's `http` options, Akash's `http_options`). */
export interface IngressHttpOptions {
  /** Largest request body, in bytes; beyond it the ingress answers 413. */
  maxBodyBytes?: number;
  /** Longest wait for the service's answer, and between two chunks of it, in ms; beyond it 504 (or the stream is cut). */
  readTimeoutMs?: number;
  /** Longest pause between two chunks of a request body on its way to the service, in ms; beyond it 504. */
  sendTimeoutMs?: number;
  /** Attempts to connect to a service that refuses (it is restarting), for requests without a body. */
  nextTries?: number;
}

/** One declared port of one service of a lease, as the runtime exposes it. */
export interface IngressEndpoint {
  service: string;
  /** The port the service listens on inside the lease. */
  port: number;
  protocol: "http" | "tcp";
  expose: "public" | "internal";
  /** The runtime's bridge to 127.0.0.1:<port> inside the lease: `<leaseDir>/sockets/<service>-<port>.sock`. */
  socketPath: string;
  /** The port number in public URLs (Akash's `as`); default: `port`. */
  as?: number;
  /** Host names the buyer asked to be reached at (Akash's `accept`). */
  hosts?: string[];
  http?: IngressHttpOptions;
}

/** A service's state as the runtime reports it (starting, healthy, restarting, crash-looping, …). */
export interface IngressServiceState {
  state: string;
  /** Why, for people: "health check failed 3×". */
  reason?: string;
}

/** The runtime as the ingress sees it. */
export interface IngressBackend {
  /** The service leases whose ports may be reached now. */
  leases(): bigint[];
  /** The declared ports of a lease; [] for a lease that is not a live service lease. */
  endpoints(leaseId: bigint): IngressEndpoint[];
  /** The state of one service of a lease, when known (for the error page of a service that does not answer). */
  serviceState?(
    leaseId: bigint,
    service: string,
  ): IngressServiceState | undefined | Promise<IngressServiceState | undefined>;
}

/** The ingress defaults for a port whose manifest sets no `http` options (Akash's defaults). */
export const DEFAULT_HTTP_OPTIONS: Required<IngressHttpOptions> = {
  maxBodyBytes: 1024 * 1024,
  readTimeoutMs: 60_000,
  sendTimeoutMs: 60_000,
  nextTries: 3,
};
