// @internal Readers for each kind of manifest field and the zod building blocks around them.
// Shared by the YAML schema and the canonical-JSON schema; not part of the public API.
import type { Hex } from "viem";
import * as z from "zod";
import { manifestKinds, manifestLimits, reservedEnvNames, restartPolicies } from "./limits.js";
import { formatDuration, formatSize, parseCpu, parseDuration, parseSize, QuantityError } from "./quantities.js";
import type { ManifestKind, RestartPolicy } from "./types.js";

/** @internal A problem with one field; the schema turns it into an issue at that field's path. */
export class FieldProblem extends Error {}

/** Builds a field from a reader that throws `FieldProblem` or `QuantityError` on bad input. */
export function field<T, M>(read: (value: unknown) => T, missing: (ctx: z.core.ParsePayload<unknown>) => M) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): T | M => {
      // `key:` with nothing after it is YAML's null: treat it as left out.
      if (value === undefined || value === null) {
        const fallback = missing(ctx);
        return fallback;
      }
      try {
        return read(value);
      } catch (error) {
        if (!(error instanceof FieldProblem || error instanceof QuantityError)) throw error;
        ctx.issues.push({ code: "custom", message: error.message, input: value });
        return z.NEVER;
      }
    });
}

export const optional = <T>(read: (value: unknown) => T) => field(read, () => undefined);
export const withDefault = <T>(read: (value: unknown) => T, fallback: T) => field(read, () => fallback);
export const required = <T>(read: (value: unknown) => T, hint: string) =>
  field(read, (ctx): T => {
    ctx.issues.push({ code: "custom", message: `is required (${hint})`, input: undefined });
    return z.NEVER as T;
  });

/** A mapping with exactly these fields; a missing or empty one reads as `{}`. */
export function mapping<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(", ");
  return z.preprocess(
    (value) => value ?? {},
    z.strictObject(shape, {
      error: (issue) =>
        issue.code === "unrecognized_keys" ? `allowed fields are ${allowed}` : "must be a mapping of fields",
    }),
  );
}

/** A list; a missing or empty one reads as `[]`. Duplicates (by `key`) are refused. */
export function list<Item extends z.ZodType>(item: Item, key?: (value: z.output<Item>) => string) {
  return z.preprocess(
    (value) => value ?? [],
    z.array(item, { error: "must be a list" }).superRefine((items, ctx) => {
      if (!key) return;
      const seen = new Map<string, number>();
      items.forEach((value, index) => {
        const name = key(value);
        const first = seen.get(name);
        if (first === undefined) seen.set(name, index);
        else ctx.addIssue({ code: "custom", message: `repeats "${name}" from entry ${first}`, path: [index] });
      });
    }),
  );
}

export function integerIn({ min, max }: { min: number; max: number }) {
  return (value: unknown): number => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new FieldProblem(`must be an integer from ${min} to ${max}`);
    }
    return value;
  };
}

export function sizeIn({ min, max }: { min: number; max: number }) {
  return (value: unknown): number => {
    const mib = parseSize(value);
    if (mib < min || mib > max) {
      throw new FieldProblem(
        `must be from ${formatSize(min)} to ${formatSize(max)} (a size like "4Gi" or a number of MiB)`,
      );
    }
    return mib;
  };
}

export function text(pattern: RegExp, rule: string) {
  return (value: unknown): string => {
    if (typeof value !== "string" || !pattern.test(value)) throw new FieldProblem(`must be ${rule}`);
    return value;
  };
}

export const readName = text(/^[a-z0-9._-]{1,64}$/, "1 to 64 characters from a-z, 0-9, '-', '_' and '.'");

// Docker's reference grammar (distribution/reference): [registry[:port]/]path[:tag][@digest].
const IMAGE_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_REFERENCE = new RegExp(
  `^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?/)?` +
    `${IMAGE_COMPONENT}(?:/${IMAGE_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

export function readImage(value: unknown): string {
  if (typeof value !== "string" || value.length > 512 || !IMAGE_REFERENCE.test(value)) {
    throw new FieldProblem(
      'must be a Docker image reference like "python:3.12-slim", "ghcr.io/org/app:v1" or "repo/app@sha256:…"',
    );
  }
  return value;
}

export function readCommand(value: unknown): string[] {
  if (typeof value === "string") {
    if (value.trim() === "") throw new FieldProblem("must not be empty");
    return ["sh", "-c", value];
  }
  const rule = 'must be a shell command string, or a list of strings (argv) like ["python", "train.py"]';
  if (!Array.isArray(value) || value.length === 0) throw new FieldProblem(rule);
  const bad = value.findIndex((arg) => typeof arg !== "string" || arg.includes("\0"));
  if (bad !== -1) {
    throw new FieldProblem(`${rule}; entry ${bad} is ${JSON.stringify(value[bad])} (quote numbers and booleans)`);
  }
  if (value[0] === "") throw new FieldProblem(`${rule}; the program name (entry 0) is empty`);
  return value as string[];
}

/** Checks a path inside the job folder and writes it in one way: no "./", no trailing "/". */
export function normalizeJobPath(value: unknown, { allowRoot = false } = {}): string {
  const rule = `must be a relative path inside the job folder (no leading "/", no "..", at most ${manifestLimits.pathLength} characters)`;
  if (typeof value !== "string" || value.length === 0 || value.length > manifestLimits.pathLength) {
    throw new FieldProblem(rule);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse here.
  if (value.startsWith("/") || /^[A-Za-z]:/.test(value) || value.includes("\\") || /[\x00-\x1f\x7f]/.test(value)) {
    throw new FieldProblem(rule);
  }
  const parts = value.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new FieldProblem(rule);
  if (parts.length === 0) {
    if (allowRoot) return ".";
    throw new FieldProblem(`${rule}; "." (the whole folder) is not allowed here`);
  }
  return parts.join("/");
}

export const readOutputPath = (value: unknown) => normalizeJobPath(value, { allowRoot: true });
export const readInputPath = (value: unknown) => normalizeJobPath(value, { allowRoot: true });

export function readSha256(value: unknown): Hex {
  if (typeof value !== "string" || !/^(0x)?[0-9a-fA-F]{64}$/.test(value)) {
    throw new FieldProblem("must be a sha256 digest: 64 hex characters, with or without 0x");
  }
  return `0x${value.replace(/^0x/, "").toLowerCase()}`;
}

export function readSource(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.includes("\0")) {
    throw new FieldProblem("must be the path of a file or folder on your machine");
  }
  return value;
}

export const LABEL = /^[a-z0-9][a-z0-9._-]{0,30}$/;
export const readModel = text(LABEL, 'a GPU model id like "nvidia-h100-80gb" (lowercase, at most 31 characters)');
export const readRegion = text(LABEL, 'a region like "eu-west" (lowercase, at most 31 characters)');

export function readVersion(value: unknown): 1 {
  if (value !== 1) throw new FieldProblem("must be 1 (the only manifest version so far)");
  return 1;
}

export function readBoolean(value: unknown): boolean {
  if (typeof value !== "boolean") throw new FieldProblem("must be true or false");
  return value;
}

export function readCpu(value: unknown): number {
  const millicores = parseCpu(value);
  const { min, max } = manifestLimits.cpuMillicores;
  if (millicores < min || millicores > max) {
    throw new FieldProblem(`must be from 0.001 to ${max / 1000} cores`);
  }
  return millicores;
}

export function readDuration(value: unknown): number {
  const seconds = parseDuration(value);
  const { min, max } = manifestLimits.maxDurationSeconds;
  if (seconds < min || seconds > max) {
    throw new FieldProblem(`must be from ${formatDuration(min)} to ${formatDuration(max)}`);
  }
  return seconds;
}

export function readEnv(value: unknown, ctx: z.core.ParsePayload<unknown>): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FieldProblem("must be a mapping of NAME: value");
  }
  const env: Record<string, string> = {};
  for (const [name, setting] of Object.entries(value)) {
    // Lower-case names are fine (Akash SDLs have them); the sandbox exports names a shell can read.
    const problem = !/^[A-Za-z_][A-Za-z0-9_]{0,255}$/.test(name)
      ? "is not a valid variable name: use letters, digits and _, not starting with a digit"
      : (reservedEnvNames as readonly string[]).includes(name.toUpperCase()) || name.toUpperCase().startsWith("OCX_")
        ? `is set by the provider; ${reservedEnvNames.join(", ")} and names starting with OCX_ are reserved`
        : typeof setting !== "string"
          ? 'must be a string (quote numbers and booleans: "8080")'
          : setting.includes("\0")
            ? "must not contain NUL characters"
            : undefined;
    if (problem === undefined) env[name] = setting as string;
    else ctx.issues.push({ code: "custom", message: problem, input: setting, path: [name] });
  }
  return env;
}

/** @internal */
export function readRestart(value: unknown): RestartPolicy {
  if (!restartPolicies.includes(value as RestartPolicy)) {
    throw new FieldProblem(`must be one of ${restartPolicies.map((policy) => `"${policy}"`).join(", ")}`);
  }
  return value as RestartPolicy;
}

/** @internal The `env` field: a mapping of NAME: value, checked name by name. */
export const envField = z
  .unknown()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === null) return {};
    try {
      return readEnv(value, ctx);
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error;
      ctx.issues.push({ code: "custom", message: error.message, input: value });
      return z.NEVER;
    }
  });

/** @internal A manifest runs something: an image, a command, or both. */
export function requireImageOrCommand(document: unknown, ctx: z.RefinementCtx) {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return;
  const { image, command } = document as { image?: unknown; command?: unknown };
  if (image === undefined && command === undefined) {
    const message = "a manifest needs an image, a command, or both";
    ctx.addIssue({ code: "custom", message, path: ["command"], params: { bare: true } });
  }
}

/** @internal */
export function readKind(value: unknown): ManifestKind {
  if (!manifestKinds.includes(value as ManifestKind)) {
    throw new FieldProblem(
      'must be "job" (runs to its exit, the default) or "service" (runs until the lease ends, with services:)',
    );
  }
  return value as ManifestKind;
}

/**
 * @internal The rules that depend on the kind of manifest, checked on the document as written:
 * a job runs an image or a command, a service manifest runs its services (and only those).
 * `durationKey` is the field of the time limit, which a job must have (when the schema does not require it itself).
 */
export function checkKind(document: unknown, ctx: z.RefinementCtx, durationKey?: string) {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return;
  const fields = document as Record<string, unknown>;
  // Runs on the parsed fields, where a left-out list or mapping reads as empty.
  const present = (key: string) => {
    const value = fields[key];
    if (value === undefined || value === null) return false;
    if (Array.isArray(value)) return value.length > 0;
    return typeof value !== "object" || Object.keys(value).length > 0;
  };
  const issue = (key: string, message: string) =>
    ctx.addIssue({ code: "custom", message, path: [key], params: { bare: true } });
  if (fields.kind === "service") {
    const moved = {
      image: "a service manifest names images per service (services.<name>.image); move it there",
      command: "a service manifest runs commands per service (services.<name>.command); move it there",
      outputs:
        "a service has no outputs: keep data on a volume (volumes:), and list what must outlive the lease under services.<name>.retain",
    };
    for (const [key, message] of Object.entries(moved)) if (present(key)) issue(key, message);
    if (present("env")) issue("env", "a service manifest sets env per service (services.<name>.env); move it there");
    if (fields.deterministic === true) {
      issue(
        "deterministic",
        "only a job can be re-executed by validators; remove deterministic from a service manifest",
      );
    }
    if (!present("services")) {
      issue(
        "services",
        "a service manifest needs at least one service, e.g. services: { web: { image: …, ports: … } }",
      );
    }
    return;
  }
  if (fields.kind !== undefined && fields.kind !== null && fields.kind !== "job") return;
  if (durationKey !== undefined && !present(durationKey))
    issue(durationKey, 'is required (a duration like "30m" or "2h")');
  requireImageOrCommand(document, ctx);
  if (present("services")) issue("services", "only a service manifest has services; add kind: service");
  if (present("volumes")) issue("volumes", "only a service manifest has volumes; add kind: service");
}

/** @internal GPU models and VRAM only make sense for a job that asks for GPUs. */
export function requireGpusForGpuFields(
  gpu: { count: number; models: string[] },
  vram: { key: string; value: number },
  ctx: z.RefinementCtx,
) {
  if (gpu.count > 0) return;
  const message = "needs resources.gpu.count of at least 1";
  if (gpu.models.length > 0) ctx.addIssue({ code: "custom", message, path: ["models"] });
  if (vram.value > 0) ctx.addIssue({ code: "custom", message, path: [vram.key] });
}
