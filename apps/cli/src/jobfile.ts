// Reads a job file: an OCX manifest, or an Akash SDL (recognised by `version: "2.0"` and `services`).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fromAkashSdl, type Manifest, parseManifest } from "@ocx/sdk";
import { CliError, EXIT } from "./context.js";

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
    throw new CliError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      EXIT.usage,
    );
  }
  const source = path.basename(file);
  const baseDir = path.dirname(path.resolve(file));
  if (isAkashSdl(text)) {
    const manifest = fromAkashSdl(text, {
      source,
      ...(options.maxPrice === undefined ? {} : { maxPricePerGpuHour: options.maxPrice }),
    });
    return { manifest, kind: "akash-sdl", baseDir };
  }
  return { manifest: parseManifest(text, { source }), kind: "ocx", baseDir };
}
