// Reads a job file: an OCX manifest, or an Akash SDL (recognised by `version: "2.0"` and `services`).
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  importAkashSdl,
  type Manifest,
  type ManifestKind,
  OcxError,
  OcxUsageError,
  parseManifest,
  type SdlWarning,
} from "@ocx/sdk";

/** True when the YAML text looks like an Akash SDL rather than an OCX manifest. */
export function isAkashSdl(yamlText: string): boolean {
  return /^version:\s*["']?2\.0["']?\s*(#.*)?$/m.test(yamlText) && /^services:/m.test(yamlText);
}

/**
 * Reads and parses a job file. Relative input sources resolve against the file's folder. What an
 * Akash SDL import drops or maps approximately is returned in `warnings` and, unless `onWarning`
 * is given, written to stderr (`warning: <file>:<line>: <message>`), never dropped silently.
 * `sdlKind` makes an SDL a job or a service (default: the importer's choice, see docs/sdl.md).
 * @example
 * const { manifest, kind, warnings } = await readJobFile("deploy.yaml", { sdlKind: "service" }); // kind: "akash-sdl"
 */
export async function readJobFile(
  file: string,
  options: { maxPrice?: string; sdlKind?: ManifestKind; onWarning?: (warning: SdlWarning) => void } = {},
): Promise<{ manifest: Manifest; kind: "ocx" | "akash-sdl"; baseDir: string; warnings: SdlWarning[] }> {
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
      const { manifest, warnings } = importAkashSdl(text, {
        source,
        ...(options.maxPrice === undefined ? {} : { maxPricePerGpuHour: options.maxPrice }),
        ...(options.sdlKind === undefined ? {} : { kind: options.sdlKind }),
      });
      const warn =
        options.onWarning ??
        ((warning: SdlWarning) =>
          process.stderr.write(
            `warning: ${source}${warning.line === undefined ? "" : `:${warning.line}`}: ${warning.message}\n`,
          ));
      for (const warning of warnings) warn(warning);
      return { manifest, kind: "akash-sdl", baseDir, warnings };
    }
    return { manifest: parseManifest(text, { source }), kind: "ocx", baseDir, warnings: [] };
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
