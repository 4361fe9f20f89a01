// The shapes the service runtime works with: a service lease's services and volumes as the
// manifest declares them (the SDK's normalized `ServiceSpec`/`VolumeSpec`), and what the runtime
// reports about each service.

import type { Manifest, ProviderServiceStatus, ServiceSpec, VolumeSpec } from "@ocx/sdk";

/** The manifest's shapes of services (normalized by the SDK's parser). */
export type { ServiceHealth, ServiceMount, ServicePort, ServiceSpec, VolumeSpec } from "@ocx/sdk";

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

/** What the lease's status says about one service (GET /leases/:id → services[]): the SDK's type, so node and clients agree. */
export type ServiceStatus = ProviderServiceStatus;

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

/** The services part of a parsed manifest, or undefined for a batch job. */
export function serviceManifestOf(manifest: Manifest): ServiceManifest | undefined {
  if (manifest.kind !== "service") return undefined;
  return { services: manifest.services, volumes: manifest.volumes, resources: manifest.resources };
}
