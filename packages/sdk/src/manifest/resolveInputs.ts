// Reads each input's file on the buyer's machine and records its sha256 and size, expanding a
// folder into one input per file, so the manifest can be canonicalized and hashed.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { Hex } from "viem";
import { ManifestError, type ManifestIssue } from "./errors.js";
import type { Manifest, ManifestInput } from "./types.js";

/**
 * Hashes a file with sha256 as it streams, so large inputs need no memory.
 * @example
 * await sha256File("data/train.csv"); // { sha256: "0x9f86…", size: 1048576 }
 */
export async function sha256File(file: string): Promise<{ sha256: Hex; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: `0x${hash.digest("hex")}`, size };
}

/** Every regular file under `folder`, as paths relative to it with "/" separators, sorted. */
async function listFiles(folder: string, seen = new Set<string>()): Promise<string[]> {
  const real = await realpath(folder);
  // A symbolic link back up the tree would otherwise loop forever.
  if (seen.has(real)) return [];
  seen.add(real);
  const files: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    const info = entry.isSymbolicLink() ? await stat(full) : entry;
    if (info.isDirectory()) {
      for (const file of await listFiles(full, seen)) files.push(`${entry.name}/${file}`);
    } else if (info.isFile()) {
      files.push(entry.name);
    }
  }
  return files.sort();
}

/**
 * Resolves a manifest's inputs against the buyer's files: each file source gets its sha256
 * and size; a folder source becomes one input per file inside it (`path/relative/file`).
 * Relative sources are read from `baseDir` (usually the manifest's folder). A sha256 written
 * in the manifest must match the file. Returns a new manifest; throws `ManifestError`.
 * @example
 * const manifest = await resolveInputs(parseManifest(await readFile("job.yaml", "utf8")), ".");
 * manifest.inputs; // [{ path: "data/a.csv", source: "data/a.csv", sha256: "0x…", size: 1234 }, …]
 */
export async function resolveInputs(manifest: Manifest, baseDir: string): Promise<Manifest> {
  const issues: ManifestIssue[] = [];
  const inputs: ManifestInput[] = [];
  for (const [index, input] of manifest.inputs.entries()) {
    const where = `inputs[${index}]`;
    if (input.source === undefined) {
      // Already resolved (a manifest read back from its canonical form has no sources).
      if (input.sha256 !== undefined) inputs.push(input);
      else
        issues.push({
          path: `${where}.source`,
          message: `${where}.source: is required to resolve the input`,
          value: undefined,
        });
      continue;
    }
    const source = path.resolve(baseDir, input.source);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(source);
    } catch {
      const message = `${where}.source: no file or folder at ${source}, got ${JSON.stringify(input.source)}`;
      issues.push({ path: `${where}.source`, message, value: input.source });
      continue;
    }
    if (info.isFile()) {
      if (input.path === ".") {
        const message = `${where}.path: "." names the whole job folder; give the file a name, got "."`;
        issues.push({ path: `${where}.path`, message, value: input.path });
        continue;
      }
      const { sha256, size } = await sha256File(source);
      if (input.sha256 !== undefined && input.sha256 !== sha256) {
        const message = `${where}.sha256: does not match ${source}, whose sha256 is ${sha256}, got ${input.sha256}`;
        issues.push({ path: `${where}.sha256`, message, value: input.sha256 });
        continue;
      }
      inputs.push({ path: input.path, source: input.source, sha256, size });
    } else if (info.isDirectory()) {
      if (input.sha256 !== undefined) {
        const message = `${where}.sha256: a folder source has one sha256 per file, computed for you; remove it, got ${input.sha256}`;
        issues.push({ path: `${where}.sha256`, message, value: input.sha256 });
        continue;
      }
      for (const file of await listFiles(source)) {
        const { sha256, size } = await sha256File(path.join(source, file));
        const jobPath = input.path === "." ? file : `${input.path}/${file}`;
        inputs.push({ path: jobPath, source: path.join(input.source, file), sha256, size });
      }
    } else {
      const message = `${where}.source: ${source} is neither a file nor a folder, got ${JSON.stringify(input.source)}`;
      issues.push({ path: `${where}.source`, message, value: input.source });
    }
  }
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const other = seen.get(input.path);
    if (other !== undefined) {
      const message = `inputs: "${input.path}" comes from both ${other} and ${input.source}`;
      issues.push({ path: "inputs", message, value: input.path });
    }
    seen.set(input.path, input.source ?? input.path);
  }
  if (issues.length > 0) {
    throw new ManifestError(issues, { summary: `the inputs of manifest "${manifest.name}" cannot be resolved` });
  }
  return { ...manifest, inputs };
}
