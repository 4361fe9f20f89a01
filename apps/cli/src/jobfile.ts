// Reads a job file: an OCX manifest, or an Akash SDL (recognised by `version: "2.0"` and `services`).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fromAkashSdl, type Manifest, OcxError, OcxUsageError, parseManifest } from "@ocx/sdk";

/** True when the YAML text looks like an Akash SDL rather than an OCX manifest. */
export function isAkashSdl(yamlText: string): boolean {
  return /^version:\s*["']?2\.0["']?\s*(#.*)?$/m.test(yamlText) && /^services:/m.test(yamlText);
}

/**
 * Reads and parses a job file. Relative input sources resolve against the file's folder.
 * @example
 * const { manifest, kind } = await readJobFile("deploy.yaml"); // kind: "akash-sdl"
 */
export async function readJobFile(
  file: string,
  options: { maxPrice?: string } = {},
): Promise<{ manifest: Manifest; kind: "ocx" | "akash-sdl"; baseDir: string }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new OcxUsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  const source = path.basename(file);
  const baseDir = path.dirname(path.resolve(file));
  try {
    if (isAkashSdl(text)) {
      const manifest = fromAkashSdl(text, {
        source,
        ...(options.maxPrice === undefined ? {} : { maxPricePerGpuHour: options.maxPrice }),
      });
      return { manifest, kind: "akash-sdl", baseDir };
    }
    return { manifest: parseManifest(text, { source }), kind: "ocx", baseDir };
  } catch (error) {
    throw asUsageError(error);
  }
}

/**
 * A manifest or SDL that does not parse is the user's to fix (exit 2). Its problems are joined on one line so
 * that none is hidden.
 */
export function asUsageError(error: unknown): unknown {
  if (error instanceof OcxError || !(error instanceof Error)) return error;
  const lines = error.message
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const [summary = error.name, ...problems] = lines;
  return new OcxUsageError(problems.length ? `${summary}: ${problems.join("; ")}` : summary, { cause: error });
}
