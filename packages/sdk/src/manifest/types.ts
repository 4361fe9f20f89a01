// The normalized OCX manifest (a batch job or a set of long-running services): what parsing
// returns and what the canonical hash covers.
import type { Hex } from "viem";

/** What a provider may do with a job that its own crash interrupted. */
export type RestartPolicy = "never" | "on-node-restart";

/**
 * What a manifest describes: a batch `job` that runs to its exit, or `service`s that run until
 * the lease is closed or its escrow is spent.
 */
export type ManifestKind = "job" | "service";

/** When the provider restarts a service whose process ended. */
export type ServiceRestartPolicy = "always" | "on-failure" | "never";

/** A port a service listens on, inside the lease's private network. */
export interface ServicePort {
  /** The port the service listens on (1–65535), unique within the lease. */
  port: number;
  protocol: "http" | "tcp";
  /** `public`: reachable through the provider's ingress; `internal`: only by the lease's other services. */
  expose: "public" | "internal";
  /** The port number outsiders know the port by (Akash `as`); left out when it is `port`. */
  as?: number;
  /** Host names the ingress routes to this port (Akash `accept`), lowercase; public http ports only. */
  hosts: string[];
  /** Ingress limits for a public http port (Akash `http_options`); left out for the provider's defaults. */
  http?: { maxBodyBytes?: number; readTimeoutMs?: number; sendTimeoutMs?: number; nextTries?: number };
}

/** How the provider checks that a service is up. Exactly one of `http`, `tcp`, `command` is set. */
export interface ServiceHealth {
  /** Healthy when GET http://127.0.0.1:<port><path> answers 2xx or 3xx. */
  http?: { port: number; path: string };
  /** Healthy when a TCP connection to 127.0.0.1:<port> opens. */
  tcp?: { port: number };
  /** Healthy when this argv, run inside the service's sandbox, exits 0. */
  command?: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  /** Consecutive failed checks after which the service counts as unhealthy and is restarted per policy. */
  failures: number;
  /** Grace period after a start during which failed checks do not count. */
  startSeconds: number;
}

/** A volume mounted into a service. */
export interface ServiceMount {
  /** The name of a volume in `Manifest.volumes`. */
  volume: string;
  /** Absolute path inside the service's sandbox. */
  path: string;
  readOnly: boolean;
}

/** One long-running process of a service manifest. */
export interface ServiceSpec {
  /** A DNS label; other services of the lease reach this one by it (`http://db:5432`). */
  name: string;
  /** Container image reference; without it `command` runs in the provider's sandbox root. */
  image?: string;
  /** The argv; without it, the image's own entrypoint and command. */
  command?: string[];
  env: Record<string, string>;
  /** Sorted by port. */
  ports: ServicePort[];
  health?: ServiceHealth;
  restart: ServiceRestartPolicy;
  /** Sorted by path. */
  mounts: ServiceMount[];
  /** Size of the service's /dev/shm in MiB. */
  shmMiB: number;
  /** Services started (and healthy) before this one; sorted. */
  dependsOn: string[];
  /**
   * `read`: the provider gives the service a read-only JSON-RPC endpoint to its chain, in env OCX_CHAIN_RPC_URL
   * (a fixed allow-list of read methods; docs/services.md). Absent: no chain access.
   */
  chain?: "read";
  /**
   * Paths in the service's sandbox, each on a persistent volume it mounts (a file or a folder, normalized, sorted),
   * that the provider keeps after the lease ends: once the services have stopped, and before the volumes are
   * deleted, it packs them into the lease's results, which the buyer downloads like a job's (docs/services.md
   * "retained files"). Left out when empty.
   */
  retain?: string[];
}

/** A named volume of a service lease. */
export interface VolumeSpec {
  /** A DNS label, used by `ServiceMount.volume`. */
  name: string;
  sizeMiB: number;
  /**
   * `persistent`: kept across service and provider restarts, deleted when the lease ends (what a
   * service lists in `retain` is packed into the lease's results first), counted in `resources.diskMiB`. `ram`: a tmpfs, counted in `resources.memoryMiB`.
   */
  class: "persistent" | "ram";
}

/** Where a lease may run. */
export interface ManifestPlacement {
  /** Regions the job may run in; empty means anywhere. */
  regions: string[];
  /** Only providers with a current validator attestation (verified offers); set only when true. */
  verified?: boolean;
  /** Provider attributes an offer must carry (`tier: datacenter`); set only when not empty. */
  attributes?: Record<string, string>;
}

/** A file the buyer uploads into the job folder before the job starts. */
export interface ManifestInput {
  /** Where the file lands, relative to the job folder (`data/train.csv`). */
  path: string;
  /**
   * The file or folder on the buyer's machine. Only the buyer needs it: the canonical form
   * (and so the hash) leaves it out.
   */
  source?: string;
  /** sha256 of the file's bytes, 0x-prefixed lowercase hex. Required in the canonical form. */
  sha256?: Hex;
  /** Size in bytes, filled in by `resolveInputs`. */
  size?: number;
}

/** The hardware a job needs, in normalized units. */
export interface ManifestResources {
  gpu: {
    count: number;
    /** Acceptable GPU model ids (`nvidia-h100-80gb`); empty means any model. */
    models: string[];
    /** Least VRAM per GPU in MiB; 0 means no minimum. */
    minVramMiB: number;
  };
  cpuMillicores: number;
  memoryMiB: number;
  diskMiB: number;
}

/** A manifest, normalized: what `parseManifest` returns and what the canonical hash covers. */
export interface Manifest {
  version: 1;
  /** "job" (the default) or "service"; a job's canonical form leaves it out. */
  kind: ManifestKind;
  name: string;
  /** Docker image reference; without it the command runs in the provider's bubblewrap sandbox. */
  image?: string;
  /** The argv to run. A command written as one string becomes `["sh", "-c", command]`. */
  command?: string[];
  resources: ManifestResources;
  inputs: ManifestInput[];
  /** Files or folders, relative to the job folder, collected into the results. */
  outputs: string[];
  env: Record<string, string>;
  network: boolean;
  /**
   * A job's time limit. For a service: how long the first deposit is sized for (default one
   * hour); a service is not stopped at this time, it runs until the lease ends.
   */
  maxDurationSeconds: number;
  /** Highest acceptable price per GPU-hour in wei (10^-18 OCX). */
  maxPricePerGpuHour?: bigint;
  placement: ManifestPlacement;
  restart: RestartPolicy;
  /**
   * The job's results depend only on its inputs, so validators may re-execute it and compare
   * (spot checks). Jobs only; default false, left out of the canonical form when false.
   */
  deterministic: boolean;
  /** The services of a service manifest, sorted by name; `[]` for a job. */
  services: ServiceSpec[];
  /** The volumes of a service manifest, sorted by name; `[]` for a job. */
  volumes: VolumeSpec[];
}
