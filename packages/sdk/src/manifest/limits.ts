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
} as const;

/** The defaults filled in for fields a manifest leaves out. */
export const manifestDefaults = {
  gpuCount: 0,
  cpuMillicores: 1000,
  memoryMiB: 1024,
  diskMiB: 1024,
  network: false,
  restart: "never",
} as const;

/** Environment variables the provider sets itself; a manifest may not override them. */
export const reservedEnvNames = ["CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES"] as const;

/** The restart policies a manifest may name. */
export const restartPolicies = ["never", "on-node-restart"] as const;
