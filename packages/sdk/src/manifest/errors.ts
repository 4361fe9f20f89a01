// The errors a manifest can fail with: every problem found at once, each with the field's path.

/** One problem in a manifest: where it is, what is wrong, and the value found there. */
export interface ManifestIssue {
  /** The field, written as in the manifest: `resources.gpu.count`, `inputs[2].path`. */
  path: string;
  /** A full sentence that starts with the path: `resources.gpu.count: must be an integer from 0 to 64, got "two"`. */
  message: string;
  /** The value found at `path` (undefined when the field is missing). */
  value: unknown;
  /** 1-based line and column in the YAML text, when the manifest came from YAML. */
  line?: number;
  column?: number;
}

/** Thrown when a manifest is invalid; `issues` lists every problem found, in document order. */
export class ManifestError extends Error {
  override name = "ManifestError";
  readonly issues: ManifestIssue[];
  readonly source: string | undefined;

  constructor(issues: ManifestIssue[], options: { source?: string | undefined; summary?: string } = {}) {
    const where = options.source ?? "manifest";
    const lines = issues.map(
      (issue) => `  ${issue.line === undefined ? "" : `${where}:${issue.line}:${issue.column}: `}${issue.message}`,
    );
    const summary =
      options.summary ??
      `${where} is not a valid OCX manifest (${issues.length} problem${issues.length === 1 ? "" : "s"})`;
    super(`${summary}:\n${lines.join("\n")}`);
    this.issues = issues;
    this.source = options.source;
  }
}

/**
 * Writes a path of keys and indexes the way people read it: `inputs[0].path`.
 * @example
 * formatPath(["resources", "gpu", "count"]) // "resources.gpu.count"
 * formatPath(["inputs", 0, "path"]) // "inputs[0].path"
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else text += text === "" ? String(key) : `.${String(key)}`;
  }
  return text === "" ? "(manifest)" : text;
}

/**
 * Shows a value briefly for an error message: strings in quotes, long values cut.
 * @example
 * showValue("two") // '"two"'
 */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === "bigint") text = `${value}n`;
  else if (value === undefined) text = "nothing";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
