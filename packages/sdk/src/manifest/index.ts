// The OCX manifest (jobs and services): schema, YAML parsing, canonical form and hash, inputs, Akash SDL import.
export {
  canonicalManifest,
  canonicalManifestHash,
  canonicalManifestSchema,
  manifestHash,
  parseCanonicalManifest,
} from "./canonical.js";
export { formatPath, ManifestError, type ManifestIssue } from "./errors.js";
export { GPU_VRAM_GB, type GpuModelIds, gpuChipName, gpuModelIds } from "./gpuModels.js";
export {
  manifestDefaults,
  manifestKinds,
  manifestLimits,
  reservedEnvNames,
  restartPolicies,
  serviceRestartPolicies,
} from "./limits.js";
export { manifestFromDocument, type ParseManifestOptions, parseManifest } from "./parse.js";
export {
  formatDuration,
  formatSize,
  parseCpu,
  parseDuration,
  parseOcxAmount,
  parseSize,
  QuantityError,
} from "./quantities.js";
export { resolveInputs, sha256File } from "./resolveInputs.js";
export { manifestSchema } from "./schema.js";
export {
  AKASH_BLOCK_SECONDS,
  type AkashSdlImport,
  type FromAkashSdlOptions,
  fromAkashSdl,
  importAkashSdl,
  SDL_OCX_DENOM,
  SdlError,
  type SdlIssue,
  type SdlWarning,
  sdlSizeMiB,
} from "./sdl.js";
export { volumePathOf } from "./services.js";
export type {
  Manifest,
  ManifestInput,
  ManifestKind,
  ManifestPlacement,
  ManifestResources,
  RestartPolicy,
  ServiceHealth,
  ServiceMount,
  ServicePort,
  ServiceRestartPolicy,
  ServiceSpec,
  VolumeSpec,
} from "./types.js";
