// The limits and defaults of the OCX job manifest, in normalized units.

/** The limits the schema enforces, in the normalized units. */
export const manifestLimits = {
  nameLength: 64,
  gpuCount: { min: 0, max: 64 },
  /** VRAM per GPU, MiB. */
  minVramMiB: { min: 0, max: 1 << 20 },
  cpuMillicores: { min: 1, max: 1024 * 1000 },
  memoryMiB: { min: 1, max: 4 << 20 },
  diskMiB: { min: 1, max: 64 << 20 },
  maxDurationSeconds: { min: 1, max: 30 * 86_400 },
  /** Paths inside the job folder, in characters. */
  pathLength: 1024,
  /** GPU model ids and regions are stored on-chain as bytes32 labels. */
  labelLength: 31,
  /** Services of one service lease. */
  services: { min: 1, max: 16 },
  /** Volumes of one service lease. */
  volumes: 16,
  /** Declared ports of one service. */
  portsPerService: 32,
  /** Host names of one port. */
  hostsPerPort: 16,
  /** Paths one service keeps after its lease ends (`services.<name>.retain`). */
  retainPerService: 16,
  port: { min: 1, max: 65_535 },
  /** Volume sizes, MiB. */
  volumeMiB: { min: 1, max: 64 << 20 },
  /** /dev/shm of a service, MiB. */
  shmMiB: { min: 1, max: 4 << 20 },
  healthIntervalSeconds: { min: 1, max: 3600 },
  healthTimeoutSeconds: { min: 1, max: 600 },
  healthFailures: { min: 1, max: 100 },
  healthStartSeconds: { min: 0, max: 3600 },
  /** Provider attributes a placement may require, and their key and value lengths. */
  placementAttributes: 16,
  attributeLength: 64,
} as const;

/** The defaults filled in for fields a manifest leaves out. */
export const manifestDefaults = {
  gpuCount: 0,
  cpuMillicores: 1000,
  memoryMiB: 1024,
  diskMiB: 1024,
  network: false,
  restart: "never",
  /** A service manifest's top-level restart: its lease comes back after a provider restart. */
  serviceRestart: "on-node-restart",
  /** A service's deposit is sized for this long unless the manifest says otherwise. */
  serviceDurationSeconds: 3600,
  serviceRestartPolicy: "always",
  shmMiB: 64,
  healthIntervalSeconds: 10,
  healthTimeoutSeconds: 5,
  healthFailures: 3,
  healthStartSeconds: 30,
} as const;

/** Environment variables the provider sets itself; a manifest may not override them. */
export const reservedEnvNames = ["CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES"] as const;

/** The restart policies a manifest may name. */
export const restartPolicies = ["never", "on-node-restart"] as const;

/** The restart policies a service may name. */
export const serviceRestartPolicies = ["always", "on-failure", "never"] as const;

/** The kinds of manifest. */
export const manifestKinds = ["job", "service"] as const;
