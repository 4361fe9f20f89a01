// The OCX manifest (job or service) as a zod schema: it checks a parsed YAML document field by field and
// turns it into the normalized `Manifest` (MiB, millicores, seconds, wei, defaults filled).
import {
  checkKind,
  envField,
  integerIn,
  list,
  mapping,
  optional,
  readBoolean,
  readCommand,
  readCpu,
  readDuration,
  readImage,
  readInputPath,
  readKind,
  readModel,
  readName,
  readOutputPath,
  readRegion,
  readRestart,
  readSha256,
  readSource,
  readVersion,
  required,
  requireGpusForGpuFields,
  sizeIn,
  withDefault,
} from "./fields.js";
import { manifestDefaults, manifestLimits } from "./limits.js";
import { parseOcxAmount } from "./quantities.js";
import { checkServiceLease, readAttributes, servicesField, volumesField } from "./services.js";
import type { Manifest, ManifestInput, ManifestPlacement, ManifestResources, RestartPolicy } from "./types.js";

const gpuSchema = mapping({
  count: withDefault(integerIn(manifestLimits.gpuCount), manifestDefaults.gpuCount),
  models: list(required(readModel, "a GPU model id"), (model) => model),
  minVram: withDefault(sizeIn(manifestLimits.minVramMiB), 0),
}).superRefine((gpu, ctx) => requireGpusForGpuFields(gpu, { key: "minVram", value: gpu.minVram }, ctx));

const resourcesSchema = mapping({
  gpu: gpuSchema,
  cpu: withDefault(readCpu, manifestDefaults.cpuMillicores),
  memory: withDefault(sizeIn(manifestLimits.memoryMiB), manifestDefaults.memoryMiB),
  disk: withDefault(sizeIn(manifestLimits.diskMiB), manifestDefaults.diskMiB),
}).transform(
  (resources): ManifestResources => ({
    gpu: { count: resources.gpu.count, models: resources.gpu.models, minVramMiB: resources.gpu.minVram },
    cpuMillicores: resources.cpu,
    memoryMiB: resources.memory,
    diskMiB: resources.disk,
  }),
);

const inputSchema = mapping({
  path: required(readInputPath, "where the file goes in the job folder"),
  source: required(readSource, "the file or folder on your machine"),
  sha256: optional(readSha256),
}).transform((input): ManifestInput => {
  const entry: ManifestInput = { path: input.path, source: input.source };
  if (input.sha256 !== undefined) entry.sha256 = input.sha256;
  return entry;
});

/**
 * The zod schema of a manifest document (the YAML after parsing). Its output is the
 * normalized `Manifest`. Prefer `parseManifest`, which adds YAML positions to the errors.
 * @example
 * const result = manifestSchema.safeParse({ version: 1, name: "hello", command: "echo hi", maxDuration: "1m" });
 * result.success && result.data.maxDurationSeconds; // 60
 */
export const manifestSchema = mapping({
  version: required(readVersion, "version: 1"),
  kind: withDefault(readKind, "job"),
  name: required(readName, "a short job name"),
  image: optional(readImage),
  command: optional(readCommand),
  resources: resourcesSchema,
  inputs: list(inputSchema, (input) => input.path),
  outputs: list(required(readOutputPath, "a path in the job folder"), (path) => path),
  env: envField,
  network: withDefault(readBoolean, manifestDefaults.network),
  maxDuration: optional(readDuration),
  maxPricePerGpuHour: optional(parseOcxAmount),
  placement: mapping({
    regions: list(required(readRegion, "a region"), (region) => region),
    verified: optional(readBoolean),
    attributes: optional(readAttributes),
  }),
  restart: optional(readRestart),
  deterministic: withDefault(readBoolean, false),
  services: servicesField,
  volumes: volumesField,
})
  .superRefine((document, ctx) => checkKind(document, ctx, "maxDuration"), { when: () => true })
  .superRefine((document, ctx) => {
    if (document.kind === "service") checkServiceLease(document, ctx, (service) => ["services", service.name]);
  })
  .transform((document): Manifest => {
    const service = document.kind === "service";
    const placement: ManifestPlacement = { regions: document.placement.regions };
    if (document.placement.verified === true) placement.verified = true;
    if (document.placement.attributes !== undefined && Object.keys(document.placement.attributes).length > 0) {
      placement.attributes = document.placement.attributes;
    }
    const manifest: Manifest = {
      version: document.version,
      kind: document.kind,
      name: document.name,
      resources: document.resources,
      inputs: document.inputs,
      outputs: document.outputs,
      env: document.env,
      network: document.network,
      maxDurationSeconds: document.maxDuration ?? manifestDefaults.serviceDurationSeconds,
      placement,
      restart:
        document.restart ?? ((service ? manifestDefaults.serviceRestart : manifestDefaults.restart) as RestartPolicy),
      deterministic: document.deterministic,
      services: document.services,
      volumes: document.volumes,
    };
    if (document.image !== undefined) manifest.image = document.image;
    if (document.command !== undefined) manifest.command = document.command;
    if (document.maxPricePerGpuHour !== undefined) manifest.maxPricePerGpuHour = document.maxPricePerGpuHour;
    return manifest;
  });
