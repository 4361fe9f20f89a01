// The canonical form of a manifest: the exact JSON bytes the buyer uploads to the provider and
// whose keccak256 the lease records. Same manifest, same bytes, whatever the YAML looked like.
import { type Hex, keccak256, stringToBytes } from "viem";
import { ManifestError, type ManifestIssue } from "./errors.js";
import {
  checkKind,
  envField,
  FieldProblem,
  integerIn,
  list,
  mapping,
  normalizeJobPath,
  optional,
  readBoolean,
  readImage,
  readKind,
  readModel,
  readName,
  readOutputPath,
  readRegion,
  readRestart,
  readSha256,
  readVersion,
  required,
  requireGpusForGpuFields,
} from "./fields.js";
import { manifestLimits } from "./limits.js";
import { issuesFromZod } from "./parse.js";
import { canonicalServicesField, canonicalVolumesField, checkServiceLease, readAttributes } from "./services.js";
import type { Manifest, ManifestInput, ManifestPlacement } from "./types.js";

function readArgv(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((arg) => typeof arg !== "string") || value[0] === "") {
    throw new FieldProblem("must be a non-empty list of strings (argv)");
  }
  return value as string[];
}

function readWei(value: unknown): bigint {
  if (typeof value !== "string" || !/^(0|[1-9]\d{0,77})$/.test(value)) {
    throw new FieldProblem("must be an amount in wei as a decimal string without leading zeros");
  }
  return BigInt(value);
}

function readFileSha256(value: unknown): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-f]{64}$/.test(value)) {
    throw new FieldProblem("must be a sha256 digest as 0x and 64 lowercase hex characters");
  }
  return readSha256(value);
}

const canonicalInputSchema = mapping({
  path: required((value) => normalizeJobPath(value), "where the file goes in the job folder"),
  sha256: required(readFileSha256, "run resolveInputs(manifest, baseDir) before canonicalizing"),
  size: optional(integerIn({ min: 0, max: Number.MAX_SAFE_INTEGER })),
});

/**
 * The zod schema of the canonical JSON object (after `JSON.parse`). Field names carry their
 * units (`memoryMiB`, `maxDurationSeconds`); the price is wei as a decimal string.
 * @example
 * canonicalManifestSchema.safeParse(JSON.parse(canonicalManifest(manifest))).success; // true
 */
export const canonicalManifestSchema = mapping({
  version: required(readVersion, "1"),
  kind: optional(readKind),
  name: required(readName, "a short job name"),
  image: optional(readImage),
  command: optional(readArgv),
  resources: mapping({
    gpu: mapping({
      count: required(integerIn(manifestLimits.gpuCount), "a GPU count"),
      models: list(required(readModel, "a GPU model id"), (model) => model),
      minVramMiB: required(integerIn(manifestLimits.minVramMiB), "MiB, 0 for no minimum"),
    }).superRefine((gpu, ctx) => requireGpusForGpuFields(gpu, { key: "minVramMiB", value: gpu.minVramMiB }, ctx)),
    cpuMillicores: required(integerIn(manifestLimits.cpuMillicores), "millicores"),
    memoryMiB: required(integerIn(manifestLimits.memoryMiB), "MiB"),
    diskMiB: required(integerIn(manifestLimits.diskMiB), "MiB"),
  }),
  inputs: list(canonicalInputSchema, (input) => input.path).superRefine((inputs, ctx) => {
    // A path cannot be a file and the folder of another file at once.
    const files = new Set(inputs.map((input) => input.path));
    inputs.forEach((input, index) => {
      const parts = input.path.split("/");
      for (let depth = 1; depth < parts.length; depth++) {
        const folder = parts.slice(0, depth).join("/");
        if (files.has(folder)) {
          const message = `lies inside "${folder}", which is itself an input file`;
          ctx.addIssue({ code: "custom", message, path: [index, "path"] });
        }
      }
    });
  }),
  outputs: list(required(readOutputPath, "a path in the job folder"), (path) => path),
  env: envField,
  network: required(readBoolean, "true or false"),
  maxDurationSeconds: required(integerIn(manifestLimits.maxDurationSeconds), "seconds"),
  maxPricePerGpuHour: optional(readWei),
  placement: mapping({
    regions: list(required(readRegion, "a region"), (region) => region),
    verified: optional(readBoolean),
    attributes: optional(readAttributes),
  }),
  restart: required(readRestart, '"never" or "on-node-restart"'),
  deterministic: optional(readBoolean),
  services: canonicalServicesField,
  volumes: canonicalVolumesField,
})
  .superRefine((document, ctx) => checkKind(document, ctx), { when: () => true })
  .superRefine((document, ctx) => {
    if (document.kind === "service") checkServiceLease(document, ctx, (_service, index) => ["services", index]);
  });

/** The canonical object of a manifest, before serialization; `undefined` fields are left out. */
function canonicalObject(manifest: Manifest): Record<string, unknown> {
  const inputs = [...manifest.inputs]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((input) => ({ path: input.path, sha256: input.sha256, size: input.size }));
  const { gpu } = manifest.resources ?? {};
  const service = manifest.kind === "service";
  const attributes = manifest.placement?.attributes;
  // A job's canonical form is what it was before services existed: the new fields are left
  // out when they hold their defaults, so every job hash stays the same.
  return {
    version: manifest.version,
    kind: service ? "service" : undefined,
    name: manifest.name,
    image: manifest.image,
    command: manifest.command,
    resources: {
      gpu: { count: gpu?.count, models: gpu?.models, minVramMiB: gpu?.minVramMiB },
      cpuMillicores: manifest.resources?.cpuMillicores,
      memoryMiB: manifest.resources?.memoryMiB,
      diskMiB: manifest.resources?.diskMiB,
    },
    inputs,
    outputs: manifest.outputs,
    env: manifest.env,
    network: manifest.network,
    maxDurationSeconds: manifest.maxDurationSeconds,
    maxPricePerGpuHour: manifest.maxPricePerGpuHour?.toString(),
    placement: {
      regions: manifest.placement?.regions,
      verified: manifest.placement?.verified === true ? true : undefined,
      attributes: attributes !== undefined && Object.keys(attributes).length > 0 ? attributes : undefined,
    },
    restart: manifest.restart,
    deterministic: manifest.deterministic === true ? true : undefined,
    services: service || (manifest.services?.length ?? 0) > 0 ? sortByName(manifest.services ?? []) : undefined,
    volumes: service || (manifest.volumes?.length ?? 0) > 0 ? sortByName(manifest.volumes ?? []) : undefined,
  };
}

function sortByName<T extends { name: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** JSON with keys sorted by UTF-16 code units, no whitespace, `undefined` fields left out. */
function stringifySorted(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stringifySorted).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stringifySorted(record[key])}`).join(",")}}`;
  }
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  return JSON.stringify(value);
}

/**
 * The canonical JSON of a manifest: keys sorted, no whitespace, inputs sorted by path, the
 * price as a decimal string of wei, local `source` paths left out. Every input needs its
 * sha256 (run `resolveInputs` first). Throws `ManifestError` if the manifest is not valid.
 * @example
 * const manifest = await resolveInputs(parseManifest(yamlText), "./job");
 * const json = canonicalManifest(manifest); // '{"command":["sh","-c","python train.py"],"env":{},…}'
 */
export function canonicalManifest(manifest: Manifest): string {
  const object = canonicalObject(manifest);
  const missing = manifest.inputs
    .map((input, index): ManifestIssue | undefined =>
      input.sha256 === undefined
        ? {
            path: `inputs[${index}].sha256`,
            message: `inputs[${index}].sha256: is required in the canonical form (input "${input.path}"); run resolveInputs(manifest, baseDir) first`,
            value: undefined,
          }
        : undefined,
    )
    .filter((issue) => issue !== undefined);
  if (missing.length > 0) {
    throw new ManifestError(missing, { summary: "manifest cannot be canonicalized: inputs are not resolved" });
  }
  const result = canonicalManifestSchema.safeParse(object);
  if (!result.success) {
    throw new ManifestError(issuesFromZod(result.error.issues, object), {
      source: "manifest",
      summary: "manifest cannot be canonicalized",
    });
  }
  return stringifySorted(object);
}

/**
 * The manifest hash a lease records: keccak256 of the UTF-8 bytes of the canonical JSON.
 * @example
 * manifestHash(manifest); // "0x5f0c…" (32 bytes)
 */
export function manifestHash(manifest: Manifest): Hex {
  return keccak256(stringToBytes(canonicalManifest(manifest)));
}

/**
 * The hash of canonical JSON as received (bytes or text), without parsing it. A provider
 * compares this with the lease's manifest hash before anything else.
 * @example
 * canonicalManifestHash(body) === lease.manifestHash;
 */
export function canonicalManifestHash(json: string | Uint8Array): Hex {
  return keccak256(typeof json === "string" ? stringToBytes(json) : json);
}

/**
 * Reads canonical manifest JSON, as a provider receives it: checks every field and that the
 * text is exactly the canonical form of what it describes (byte for byte), so that its hash
 * is the manifest's hash. Inputs come back without `source`. Throws `ManifestError`.
 * @example
 * const manifest = parseCanonicalManifest(body);
 * manifestHash(manifest) === canonicalManifestHash(body); // always true
 */
export function parseCanonicalManifest(json: string | Uint8Array): Manifest {
  const source = "canonical manifest";
  let text: string;
  try {
    text = typeof json === "string" ? json : new TextDecoder("utf-8", { fatal: true }).decode(json);
  } catch {
    throw new ManifestError([{ path: "", message: "is not valid UTF-8", value: undefined }], { source });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ManifestError([{ path: "", message: `is not JSON: ${(error as Error).message}`, value: undefined }], {
      source,
    });
  }
  const result = canonicalManifestSchema.safeParse(document);
  if (!result.success) throw new ManifestError(issuesFromZod(result.error.issues, document), { source });
  const parsed = result.data;
  const placement: ManifestPlacement = { regions: parsed.placement.regions };
  if (parsed.placement.verified !== undefined) placement.verified = parsed.placement.verified;
  if (parsed.placement.attributes !== undefined) placement.attributes = parsed.placement.attributes;
  const manifest: Manifest = {
    version: parsed.version,
    kind: parsed.kind ?? "job",
    name: parsed.name,
    resources: parsed.resources,
    inputs: parsed.inputs.map((input) => {
      const entry: ManifestInput = { path: input.path, sha256: input.sha256 };
      if (input.size !== undefined) entry.size = input.size;
      return entry;
    }),
    outputs: parsed.outputs,
    env: parsed.env,
    network: parsed.network,
    maxDurationSeconds: parsed.maxDurationSeconds,
    placement,
    restart: parsed.restart,
    deterministic: parsed.deterministic ?? false,
    services: parsed.services,
    volumes: parsed.volumes,
  };
  if (parsed.image !== undefined) manifest.image = parsed.image;
  if (parsed.command !== undefined) manifest.command = parsed.command;
  if (parsed.maxPricePerGpuHour !== undefined) manifest.maxPricePerGpuHour = parsed.maxPricePerGpuHour;
  const canonical = canonicalManifest(manifest);
  if (canonical !== text) {
    let at = 0;
    while (at < text.length && text[at] === canonical[at]) at++;
    const message =
      `is not in canonical form: it differs at character ${at} ` +
      `(expected ${JSON.stringify(canonical.slice(at, at + 24))}, got ${JSON.stringify(text.slice(at, at + 24))}); ` +
      "send exactly the output of canonicalManifest()";
    throw new ManifestError([{ path: "", message, value: undefined }], { source });
  }
  return manifest;
}
