// A minimal reader for the tar.gz archives that providers pack results into (ustar, with pax and
// GNU long names), and an extractor that refuses any entry that would land outside its folder.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";

/** Thrown for an archive that is malformed or tries to write outside the target folder. */
export class TarError extends Error {
  override name = "TarError";
}

/** One entry of a tar archive. */
export interface TarEntry {
  path: string;
  type: "file" | "directory" | "symlink" | "hardlink" | "other";
  mode: number;
  size: number;
  /** Where a link points. */
  linkTarget?: string;
  data: Uint8Array;
}

const BLOCK = 512;

/**
 * Reads every entry of an uncompressed tar archive.
 * @example
 * const entries = readTar(gunzipSync(await readFile("results.tar.gz")));
 * entries.map((e) => e.path); // ["out/", "out/model.bin"]
 */
export function readTar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    // Two zero blocks end the archive; one is enough to stop reading.
    if (header.every((byte) => byte === 0)) break;
    checkChecksum(header, offset);
    const size = readNumber(header, 124, 12, offset);
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > archive.length) {
      throw new TarError(`tar entry at byte ${offset} claims ${size} bytes, past the end of the archive`);
    }
    const data = archive.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === "x") {
      pax = parsePax(data);
      continue;
    }
    if (typeflag === "g") continue;
    if (typeflag === "L" || typeflag === "K") {
      const text = readString(data, 0, data.length);
      if (typeflag === "L") longName = text;
      else longLink = text;
      continue;
    }
    const prefix = readString(header, 345, 155);
    const name = readString(header, 0, 100);
    const ustar = readString(header, 257, 5) === "ustar";
    const entryPath = pax.path ?? longName ?? (ustar && prefix ? `${prefix}/${name}` : name);
    const linkTarget = pax.linkpath ?? longLink ?? readString(header, 157, 100);
    entries.push({
      path: entryPath,
      type:
        typeflag === "0" || typeflag === "\0" || typeflag === "7"
          ? "file"
          : typeflag === "5"
            ? "directory"
            : typeflag === "2"
              ? "symlink"
              : typeflag === "1"
                ? "hardlink"
                : "other",
      mode: readNumber(header, 100, 8, offset),
      size,
      ...(typeflag === "1" || typeflag === "2" ? { linkTarget } : {}),
      data,
    });
    longName = undefined;
    longLink = undefined;
    pax = {};
  }
  return entries;
}

/**
 * The path an entry would be written to under `dir`, or a `TarError` when it is absolute or
 * climbs out of `dir` with "..".
 */
export function safeEntryPath(dir: string, entryPath: string): string {
  const normalized = entryPath.replace(/\\/g, "/");
  if (normalized.startsWith("/") || /^[A-Za-z]:/.test(normalized) || normalized.split("/").includes("..")) {
    throw new TarError(`the archive entry "${entryPath}" would be written outside ${dir}; refusing to unpack it`);
  }
  const root = path.resolve(dir);
  const target = path.resolve(root, normalized);
  if (target !== root && !target.startsWith(`${root}${path.sep}`)) {
    throw new TarError(`the archive entry "${entryPath}" would be written outside ${dir}; refusing to unpack it`);
  }
  return target;
}

/**
 * Unpacks a tar.gz into `dir`. Every entry is checked before anything is written; links are
 * skipped (they could point anywhere) and listed in `skipped`.
 * @example
 * const { files } = await extractTarGz(bytes, "results"); // ["results/out/model.bin"]
 */
export async function extractTarGz(
  archive: Uint8Array,
  dir: string,
): Promise<{ files: string[]; directories: string[]; skipped: string[] }> {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(archive);
  } catch (error) {
    throw new TarError(`the results are not a gzip archive: ${(error as Error).message}`);
  }
  const entries = readTar(tar).map((entry) => ({ entry, target: safeEntryPath(dir, entry.path) }));
  const files: string[] = [];
  const directories: string[] = [];
  const skipped: string[] = [];
  await mkdir(dir, { recursive: true });
  for (const { entry, target } of entries) {
    if (entry.type === "directory") {
      await mkdir(target, { recursive: true });
      directories.push(target);
    } else if (entry.type === "file") {
      await mkdir(path.dirname(target), { recursive: true });
      // Keep the owner's execute bit; never setuid, setgid or world-writable.
      await writeFile(target, entry.data, { mode: entry.mode & 0o755 || 0o644 });
      files.push(target);
    } else {
      skipped.push(entry.path);
    }
  }
  return { files, directories, skipped };
}

function readString(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

/** Octal, or base-256 when the high bit of the first byte is set (GNU, for sizes ≥ 8 GiB). */
function readNumber(block: Uint8Array, start: number, length: number, at: number): number {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    let value = BigInt(first & 0x7f);
    for (let i = 1; i < length; i++) value = (value << 8n) | BigInt(block[start + i] ?? 0);
    return Number(value);
  }
  const text = readString(block, start, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`tar header at byte ${at} has a malformed number "${text}"`);
  return Number.parseInt(text, 8);
}

function checkChecksum(header: Uint8Array, at: number): void {
  const stated = readNumber(header, 148, 8, at);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
  if (sum !== stated) throw new TarError(`tar header at byte ${at} has a bad checksum; the archive is damaged`);
}

/** Pax records: "<length> <key>=<value>\n". */
function parsePax(data: Uint8Array): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number(new TextDecoder().decode(data.subarray(offset, space)));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = new TextDecoder().decode(data.subarray(space + 1, offset + length - 1));
    const equals = record.indexOf("=");
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}
