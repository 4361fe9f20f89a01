// Packs a finished job's declared outputs into the result archive whose hash goes on-chain with
// `complete(leaseId, resultHash, exitCode)`. The archive is deterministic (sorted entries, fixed
// times, owner 0, normalised modes) so the same outputs always give the same hash, and anyone
// who re-runs the job can check it.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";

/** What {@link packOutputs} wrote. */
export type PackedOutputs = {
  /** sha256 of the .tar.gz file, "0x…": the lease's result hash. */
  sha256: `0x${string}`;
  /** sha256 of the uncompressed tar, "0x…": the same across zlib versions, for re-execution checks. */
  tarSha256: `0x${string}`;
  /** Size of the .tar.gz file in bytes. */
  size: number;
  /** Regular files in the archive, sorted by path (relative to the job folder). */
  files: { path: string; size: number }[];
  /** Declared outputs that do not exist (or could only be reached through a symlink). */
  missing: string[];
  /**
   * Files left out because the outputs would have gone past `maxBytes` (by apparent size, so a
   * sparse file counts in full), sorted by path. The archive then holds {@link OMITTED_NOTICE_PATH}
   * saying so.
   */
  omitted: { path: string; size: number }[];
  /** What the provider's log and the buyer should hear: one line per problem, with the sizes. */
  warnings: string[];
};

/** Options of {@link packOutputs}. */
export type PackOptions = {
  /**
   * Most bytes of file content packed, by apparent size: the job's disk limit. Files are taken in
   * path order while they fit; the others are omitted and listed. Unset: no bound.
   */
  maxBytes?: number;
};

/** The file the archive holds when outputs were omitted: which, how big, and why. */
export const OMITTED_NOTICE_PATH = "OCX-OMITTED.txt";

/** Error thrown for a declared output that points outside the job folder. */
export class OutputPathError extends Error {
  override name = "OutputPathError";
}

type Entry = {
  path: string;
  kind: "file" | "dir" | "symlink";
  absolute: string;
  size: number;
  executable: boolean;
  target?: string;
  /** Content made by the node (the omitted notice) rather than read from the job folder. */
  content?: Buffer;
};

const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777;

/**
 * Writes a deterministic tar.gz of the declared outputs (files or folders, relative to jobDir)
 * to archivePath, streaming whatever their size. Symlinks are stored as links, never followed: a
 * job must not be able to make the node pack a host file such as /etc/shadow. With `maxBytes`
 * (the job's disk limit) the content packed is bounded, so a huge sparse file cannot keep the
 * node busy for minutes: what does not fit is listed in `omitted` and in the archive.
 *
 * @example
 * const packed = await packOutputs("/var/lib/ocx/jobs/7", ["out/", "metrics.json"], "/var/lib/ocx/results/7.tar.gz");
 * // packed.sha256 → "0x…", packed.missing → []
 */
export async function packOutputs(
  jobDir: string,
  outputs: readonly string[],
  archivePath: string,
  options: PackOptions = {},
): Promise<PackedOutputs> {
  const root = path.resolve(jobDir);
  const entries = new Map<string, Entry>();
  const missing: string[] = [];
  for (const output of outputs) {
    const relative = normaliseOutput(output);
    const found = await reachWithoutLinks(root, relative);
    if (!found) {
      missing.push(output);
      continue;
    }
    await collect(root, relative, entries);
  }
  const byPath = (a: Entry, b: Entry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  let sorted = [...entries.values()].sort(byPath);
  const omitted: { path: string; size: number }[] = [];
  const warnings: string[] = [];
  if (options.maxBytes !== undefined) {
    const maxBytes = options.maxBytes;
    let packedBytes = 0;
    sorted = sorted.filter((entry) => {
      if (entry.kind !== "file") return true;
      if (packedBytes + entry.size <= maxBytes) {
        packedBytes += entry.size;
        return true;
      }
      omitted.push({ path: entry.path, size: entry.size });
      return false;
    });
    if (omitted.length > 0) {
      const omittedBytes = omitted.reduce((sum, file) => sum + file.size, 0);
      const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
      warnings.push(
        `${omitted.length} output file(s) of ${mib(omittedBytes)} left out: the outputs may hold at most ${mib(maxBytes)} (the job's disk limit), counted by apparent size; see ${OMITTED_NOTICE_PATH} in the results`,
      );
      if (!entries.has(OMITTED_NOTICE_PATH)) {
        const content = Buffer.from(
          `These outputs were left out: together with the others they would have gone past ${maxBytes} bytes, the job's disk limit (apparent sizes; a sparse file counts in full).\n${omitted
            .map((file) => `${file.path}\t${file.size} bytes`)
            .join("\n")}\n`,
        );
        sorted = [
          ...sorted,
          {
            path: OMITTED_NOTICE_PATH,
            kind: "file" as const,
            absolute: "",
            size: content.length,
            executable: false,
            content,
          },
        ].sort(byPath);
      }
    }
  }

  const archiveHash = createHash("sha256");
  const tarHash = createHash("sha256");
  let size = 0;
  const tar = Readable.from(tarChunks(sorted));
  const gzip = createGzip({ level: 6 });
  await pipeline(
    tar,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        tarHash.update(chunk);
        yield chunk;
      }
    },
    gzip,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        archiveHash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(archivePath),
  );
  return {
    sha256: `0x${archiveHash.digest("hex")}`,
    tarSha256: `0x${tarHash.digest("hex")}`,
    size,
    files: sorted.filter((entry) => entry.kind === "file").map((entry) => ({ path: entry.path, size: entry.size })),
    missing,
    omitted,
    warnings,
  };
}

function normaliseOutput(output: string): string {
  const normal = path.posix.normalize(output.replace(/^\.\//, "")).replace(/\/+$/, "");
  if (path.posix.isAbsolute(normal) || normal === ".." || normal.startsWith("../") || normal === "" || normal === ".") {
    throw new OutputPathError(`output "${output}" must be a path inside the job folder, like "out/" or "result.json"`);
  }
  return normal;
}

/** Whether `relative` exists under root with no symlink on the way (the last part may be one). */
async function reachWithoutLinks(root: string, relative: string): Promise<boolean> {
  const parts = relative.split("/");
  for (let i = 1; i <= parts.length; i++) {
    try {
      const stat = await lstat(path.join(root, ...parts.slice(0, i)));
      if (i < parts.length && !stat.isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function collect(root: string, relative: string, entries: Map<string, Entry>): Promise<void> {
  // Parent folders are entries too, so the archive unpacks with them.
  const parts = relative.split("/");
  for (let i = 1; i < parts.length; i++) {
    const parent = parts.slice(0, i).join("/");
    if (!entries.has(parent))
      entries.set(parent, { path: parent, kind: "dir", absolute: path.join(root, parent), size: 0, executable: true });
  }
  const absolute = path.join(root, relative);
  const stat = await lstat(absolute);
  if (stat.isSymbolicLink()) {
    entries.set(relative, {
      path: relative,
      kind: "symlink",
      absolute,
      size: 0,
      executable: false,
      target: await readlink(absolute),
    });
  } else if (stat.isDirectory()) {
    entries.set(relative, { path: relative, kind: "dir", absolute, size: 0, executable: true });
    for (const child of (await readdir(absolute)).sort()) await collect(root, `${relative}/${child}`, entries);
  } else if (stat.isFile()) {
    entries.set(relative, {
      path: relative,
      kind: "file",
      absolute,
      size: stat.size,
      executable: (stat.mode & 0o111) !== 0,
    });
  }
  // Sockets, fifos and devices are not outputs.
}

async function* tarChunks(entries: Entry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield* headerBlocks(entry);
    if (entry.kind !== "file") continue;
    if (entry.content) {
      yield entry.content;
      const padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
      if (padding > 0) yield Buffer.alloc(padding);
      continue;
    }
    let read = 0;
    for await (const chunk of createReadStream(entry.absolute)) {
      const buffer = chunk as Buffer;
      read += buffer.length;
      if (read > entry.size) break;
      yield buffer;
    }
    if (read !== entry.size)
      throw new Error(`output ${entry.path} changed size while packing (${entry.size} → ${read} bytes)`);
    const padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    if (padding > 0) yield Buffer.alloc(padding);
  }
  yield Buffer.alloc(BLOCK * 2); // End of archive.
}

function headerBlocks(entry: Entry): Buffer[] {
  const name = entry.kind === "dir" ? `${entry.path}/` : entry.path;
  const pax: Record<string, string> = {};
  const split = splitUstarName(name);
  if (!split) pax.path = name;
  if (entry.target !== undefined && Buffer.byteLength(entry.target) > 100) pax.linkpath = entry.target;
  if (entry.size > MAX_OCTAL_SIZE) pax.size = String(entry.size);
  const blocks: Buffer[] = [];
  if (Object.keys(pax).length > 0) {
    const body = Buffer.from(
      Object.entries(pax)
        .map(([key, value]) => paxRecord(key, value))
        .join(""),
    );
    blocks.push(
      ustarHeader({ name: "././@PaxHeader", prefix: "", mode: 0o644, size: body.length, type: "x", linkname: "" }),
      body,
      Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK),
    );
  }
  const mode = entry.kind === "dir" ? 0o755 : entry.kind === "symlink" ? 0o777 : entry.executable ? 0o755 : 0o644;
  blocks.push(
    ustarHeader({
      name: split ? split.name : name.slice(0, 100),
      prefix: split ? split.prefix : "",
      mode,
      size: entry.kind === "file" && entry.size <= MAX_OCTAL_SIZE ? entry.size : 0,
      type: entry.kind === "file" ? "0" : entry.kind === "dir" ? "5" : "2",
      linkname: (entry.target ?? "").slice(0, 100),
    }),
  );
  return blocks;
}

/** A PAX record "<len> key=value\n", where len counts itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(rest);
  while (String(length).length + Buffer.byteLength(rest) !== length)
    length = String(length).length + Buffer.byteLength(rest);
  return `${length}${rest}`;
}

/** Splits a path into ustar's prefix (155 bytes) and name (100 bytes); null when it does not fit. */
function splitUstarName(name: string): { name: string; prefix: string } | null {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: "" };
  for (let cut = name.indexOf("/"); cut !== -1; cut = name.indexOf("/", cut + 1)) {
    const prefix = name.slice(0, cut);
    const rest = name.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== "")
      return { name: rest, prefix };
  }
  return null;
}

function ustarHeader(fields: {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  type: string;
  linkname: string;
}): Buffer {
  const header = Buffer.alloc(BLOCK);
  const put = (offset: number, length: number, value: string) => header.write(value, offset, length, "utf8");
  const octal = (offset: number, length: number, value: number) =>
    put(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
  put(0, 100, fields.name);
  octal(100, 8, fields.mode);
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, fields.size);
  octal(136, 12, 0); // mtime: fixed, so the hash depends on content only
  put(148, 8, "        "); // checksum placeholder: spaces while summing
  put(156, 1, fields.type);
  put(157, 100, fields.linkname);
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  put(265, 32, "root");
  put(297, 32, "root");
  octal(329, 8, 0); // devmajor
  octal(337, 8, 0); // devminor
  put(345, 155, fields.prefix);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return header;
}
