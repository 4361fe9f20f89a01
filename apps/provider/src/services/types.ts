// The shapes the service runtime works with: a service lease's services and volumes as the
// manifest declares them (the SDK's normalized `ServiceSpec`/`VolumeSpec`, copied structurally so
// the runtime builds on its own), and what the runtime reports about each service.

/** A port a service listens on inside the lease's private network (the SDK's `ServicePort`). */
export interface ServicePort {
  port: number;
  protocol: "http" | "tcp";
  expose: "public" | "internal";
  as?: number;
  hosts: string[];
  http?: { maxBodyBytes?: number; readTimeoutMs?: number; sendTimeoutMs?: number; nextTries?: number };
}

/** How the runtime checks that a service is up (the SDK's `ServiceHealth`); exactly one probe is set. */
export interface ServiceHealth {
  http?: { port: number; path: string };
  tcp?: { port: number };
  command?: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  failures: number;
  startSeconds: number;
}

/** A volume mounted into a service (the SDK's `ServiceMount`). */
export interface ServiceMount {
  volume: string;
  path: string;
  readOnly: boolean;
}

/** One long-running process of a service lease (the SDK's `ServiceSpec`). */
export interface ServiceSpec {
  name: string;
  image?: string;
  command?: string[];
  env: Record<string, string>;
  ports: ServicePort[];
  health?: ServiceHealth;
  restart: "always" | "on-failure" | "never";
  mounts: ServiceMount[];
  shmMiB: number;
  dependsOn: string[];
}

/** A named volume of a service lease (the SDK's `VolumeSpec`). */
export interface VolumeSpec {
  name: string;
  sizeMiB: number;
  class: "persistent" | "ram";
}

/**
 * Where a service stands:
 * - `starting`: launched (or waiting for the services it depends on), not yet passed a health check;
 * - `healthy`: running, and its health check passes (or it has none);
 * - `unhealthy`: running, but its health check failed `failures` times in a row;
 * - `restarting`: it ended (or was unhealthy) and waits out its back-off before the next start;
 * - `crash-looping`: it restarted too often in too short a time; stopped, with the reason;
 * - `stopped`: not running and not coming back (its policy, a full volume, the lease's end).
 */
export type ServiceState = "starting" | "healthy" | "unhealthy" | "restarting" | "crash-looping" | "stopped";

/** How a service's last run ended. */
export interface ServiceExit {
  exitCode: number;
  /** exited, signal, memory-limit, disk-limit, stopped, volume-full, unhealthy */
  reason: string;
  /** Unix seconds. */
  at: number;
}

/** What the lease's status says about one service (GET /leases/:id → services[]). */
export interface ServiceStatus {
  name: string;
  state: ServiceState;
  /** Restarts since the lease started (not counting the first start). */
  restarts: number;
  lastExit: ServiceExit | null;
  /** Why the service is in its state, in words. */
  reason: string;
  /** Unix seconds of the current run's start; null when it is not running. */
  startedAt: number | null;
  ports: { port: number; protocol: "http" | "tcp"; expose: "public" | "internal" }[];
}

/** One bridged port: what the ingress connects to (`serviceEndpoints`). */
export interface ServiceEndpoint {
  service: string;
  port: number;
  protocol: "http" | "tcp";
  expose: "public" | "internal";
  /** `<leaseDir>/sockets/<service>-<port>.sock`: a stream to 127.0.0.1:<port> inside the lease's network. */
  socketPath: string;
}

/** The services part of a manifest, as the runtime needs it. */
export interface ServiceManifest {
  services: ServiceSpec[];
  volumes: VolumeSpec[];
  resources: { cpuMillicores: number; memoryMiB: number; diskMiB: number };
}

/**
 * The services part of a parsed manifest, or undefined for a batch job. Reads the fields the SDK's
 * service manifest adds (`kind`, `services`, `volumes`) without depending on their type.
 */
export function serviceManifestOf(manifest: {
  resources: { cpuMillicores: number; memoryMiB: number; diskMiB: number };
}): ServiceManifest | undefined {
  const m = manifest as { kind?: string; services?: ServiceSpec[]; volumes?: VolumeSpec[] };
  if (m.kind !== "service") return undefined;
  return { services: m.services ?? [], volumes: m.volumes ?? [], resources: manifest.resources };
}
