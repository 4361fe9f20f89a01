// Reads a manifest from YAML: syntax errors and field errors both come back as one
// ManifestError that points at the line and column of each problem.
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type * as z from "zod";
import { formatPath, ManifestError, type ManifestIssue, showValue } from "./errors.js";
import { manifestSchema } from "./schema.js";
import type { Manifest } from "./types.js";

/** Options of `parseManifest` and `manifestFromDocument`. */
export interface ParseManifestOptions {
  /** Names the manifest in error messages, usually its file name. */
  source?: string;
}

/**
 * Parses a YAML job manifest, checks every field and returns it normalized: sizes in MiB,
 * CPU in millicores, durations in seconds, the price in wei, defaults filled in.
 * Throws `ManifestError` listing every problem with its path, line and column.
 * @example
 * const manifest = parseManifest(
 *   `version: 1
 * name: hello
 * command: echo hello
 * maxDuration: 10m
 * resources: { gpu: { count: 1 }, memory: 8Gi }`,
 *   { source: "hello.yaml" },
 * );
 * manifest.command; // ["sh", "-c", "echo hello"]
 * manifest.resources.memoryMiB; // 8192
 * manifest.maxDurationSeconds; // 600
 */
export function parseManifest(yamlText: string, options: ParseManifestOptions = {}): Manifest {
  const yaml = loadYaml(yamlText);
  if (yaml.issues.length > 0) {
    const summary = `${options.source ?? "manifest"} is not valid YAML`;
    throw new ManifestError(yaml.issues, { source: options.source, summary });
  }
  return validate(yaml.value, options.source, yaml.locate);
}

/** @internal Finds the line and column of the node at a path (of its key, with `atKey`). */
export type Locate = (path: PropertyKey[], atKey: boolean) => { line: number; column: number } | undefined;

/** @internal Parses one YAML document into plain values, with a way to find a path's position. */
export function loadYaml(yamlText: string): { value: unknown; issues: ManifestIssue[]; locate: Locate } {
  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    // YAML 1.2 reads an unquoted 0x… as a hex number; manifests have no hex or octal numbers,
    // but they do have sha256 digests written as 0x…, which must stay strings.
    customTags: (tags) =>
      tags.filter((tag) => typeof tag === "string" || !(tag.format === "HEX" || tag.format === "OCT")),
  });
  const locate: Locate = (path, atKey) => {
    const offset = findOffset(document, path, atKey);
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const issues = document.errors.map((error): ManifestIssue => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return { path: "", message: `YAML syntax error: ${error.message}`, value: undefined, line, column: col };
  });
  if (issues.length > 0) return { value: undefined, issues, locate };
  try {
    // The alias limit stops "billion laughs" documents from eating memory.
    return { value: document.toJS({ maxAliasCount: 100 }), issues, locate };
  } catch (error) {
    const message = `YAML could not be read: ${(error as Error).message}`;
    return { value: undefined, issues: [{ path: "", message, value: undefined }], locate };
  }
}

/**
 * Checks a manifest that is already parsed into plain values (from YAML, JSON or code) and
 * returns it normalized, like `parseManifest`.
 * @example
 * manifestFromDocument({ version: 1, name: "x", image: "alpine", maxDuration: 60 }).resources.cpuMillicores; // 1000
 */
export function manifestFromDocument(document: unknown, options: ParseManifestOptions = {}): Manifest {
  return validate(document, options.source);
}

function validate(document: unknown, source: string | undefined, locate?: Locate): Manifest {
  const result = manifestSchema.safeParse(document);
  if (result.success) return result.data;
  throw new ManifestError(issuesFromZod(result.error.issues, document, locate), { source });
}

/** @internal Turns zod issues into manifest issues with readable messages and positions. */
export function issuesFromZod(zodIssues: z.core.$ZodIssue[], document: unknown, locate?: Locate): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const add = (path: PropertyKey[], text: string, atKey: boolean, withValue: boolean) => {
    const value = valueAt(document, path);
    const got = withValue && value !== undefined ? `, got ${showValue(value)}` : "";
    issues.push({
      path: formatPath(path),
      message: `${formatPath(path)}: ${text}${got}`,
      value,
      ...locate?.(path, atKey),
    });
  };
  for (const issue of zodIssues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) add([...issue.path, key], `unknown field; ${issue.message}`, true, false);
    } else {
      add(issue.path, issue.message, false, !(issue.code === "custom" && issue.params?.bare));
    }
  }
  // Document order when positions are known; zod's own order (schema order) otherwise.
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.index - b.index)
    .map(({ issue }) => issue);
}

/** @internal */
export function valueAt(document: unknown, path: PropertyKey[]): unknown {
  let value = document;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The offset in the YAML text of the node at `path`, or of its nearest existing parent. */
function findOffset(document: Document, path: PropertyKey[], atKey: boolean): number | undefined {
  let node: unknown = document.contents;
  let offset = (node as { range?: [number] } | null)?.range?.[0];
  for (const [index, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(key));
      if (!pair) break;
      const keyOffset = (pair.key as { range?: [number] } | null)?.range?.[0];
      node = pair.value;
      const last = index === path.length - 1;
      offset =
        (atKey && last ? keyOffset : undefined) ?? (node as { range?: [number] } | null)?.range?.[0] ?? keyOffset;
    } else if (isSeq(node) && typeof key === "number") {
      node = node.items[key];
      offset = (node as { range?: [number] } | null)?.range?.[0] ?? offset;
    } else break;
  }
  return offset;
}
