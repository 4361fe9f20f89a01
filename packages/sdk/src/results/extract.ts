// Unpacks a results tar.gz as a stream: the archive is never whole in memory, whatever its size. Entries are
// checked as they come (no path outside the folder, no links, sizes within the caller's bounds), and runs of zeros
// are left as holes, so a sparse file in a job's outputs costs the buyer no more disk than it cost the provider.
import { constants, createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { mkdir, open, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { parseHeader, parsePax, readString, safeEntryPath, TAR_BLOCK, TarError } from "./header.js";

/** Bounds on what an archive may unpack to; exceeding one stops with a `TarError` and removes what was written. */
export interface ExtractLimits {
  /** Most bytes of file data in all (as unpacked, holes included). */
  maxBytes: number;
  /** Most entries. Default: 100,000. */
  maxEntries?: number;
}

/** What `extractTarGzStream` wrote. */
export interface ExtractReturnType {
  /** Files written, as absolute paths. */
  files: string[];
  /** Folders created or entered, as absolute paths. */
  directories: string[];
  /** Entries not written (links, devices), by their path in the archive. */
  skipped: string[];
  /** File bytes unpacked (holes included). */
  bytes: number;
}

// pax and GNU long-name records are read whole: they are metadata and must stay small.
const MAX_METADATA_BYTES = 1024 * 1024;
// Data is written in pieces of at most this size (the stream's chunks are smaller), and a piece of only zeros
// becomes a hole.
const PIECE = 64 * 1024;

/**
 * Unpacks the tar.gz at `source` (a file path, a stream or any async iterable of its bytes) into `dir` as it streams: memory stays
 * bounded whatever the archive's size. An entry that would land outside `dir` (absolute, or climbing with "..")
 * stops the extraction with a `TarError`; links and devices are skipped, never created; files are opened without
 * following a link already at their path; modes keep the owner's execute bit, never setuid or world-writable.
 * Exceeding `limits` stops with a `TarError`. On any error the files written so far are removed.
 * @example
 * const { files, bytes } = await extractTarGzStream("lease-7.tar.gz", "results", { maxBytes: 10 * 2 ** 30 });
 */
export async function extractTarGzStream(
  source: string | NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
  dir: string,
  limits: ExtractLimits,
): Promise<ExtractReturnType> {
  const input: Readable =
    typeof source === "string"
      ? createReadStream(source)
      : typeof (source as Readable).pipe === "function"
        ? (source as Readable)
        : Readable.from(source as AsyncIterable<Uint8Array>);
  const gunzip = createGunzip();
  const result: ExtractReturnType = { files: [], directories: [], skipped: [], bytes: 0 };
  const maxEntries = limits.maxEntries ?? 100_000;
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });

  // The reader: hands out the gunzipped bytes in pieces of at most `n`, slicing the stream's own chunks (no copies,
  // no garbage: memory stays at a chunk or two whatever the archive's size).
  const stream = input.pipe(gunzip);
  input.on("error", (error: Error) => gunzip.destroy(error));
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const queue: Buffer[] = [];
  let ended = false;
  const take = async (n: number): Promise<Buffer> => {
    while (queue.length === 0 && !ended) {
      const next = await chunks.next();
      if (next.done) ended = true;
      else if (next.value.length > 0) queue.push(next.value);
    }
    const first = queue[0];
    if (!first) return Buffer.alloc(0);
    if (first.length <= n) {
      queue.shift();
      return first;
    }
    queue[0] = first.subarray(n);
    return first.subarray(0, n);
  };
  /** Exactly `n` bytes (small: headers and metadata), or fewer only where the archive ends. */
  const takeUpTo = async (n: number): Promise<Buffer> => {
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const piece = await take(left);
      if (piece.length === 0) break;
      parts.push(piece);
      left -= piece.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  };
  const takeExactly = async (n: number, what: string): Promise<Buffer> => {
    const bytes = await takeUpTo(n);
    if (bytes.length < n) throw new TarError(`the archive ends inside ${what}; it is truncated`);
    return bytes;
  };
  const skip = async (n: number, what: string) => {
    let left = n;
    while (left > 0) {
      const piece = await take(Math.min(left, PIECE));
      if (piece.length === 0) throw new TarError(`the archive ends inside ${what}; it is truncated`);
      left -= piece.length;
    }
  };
  const padding = (size: number) => (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;

  try {
    let offset = 0;
    let entries = 0;
    let longName: string | undefined;
    let pax: Record<string, string> = {};
    for (;;) {
      const header = await takeUpTo(TAR_BLOCK);
      if (header.length === 0) break; // no end-of-archive blocks: tolerated, as tar does
      if (header.length < TAR_BLOCK) {
        throw new TarError(`the archive ends inside a header at byte ${offset}; it is truncated`);
      }
      if (header.every((byte) => byte === 0)) break;
      const entry = parseHeader(header, offset);
      const dataOffset = offset + TAR_BLOCK;
      offset = dataOffset + entry.size + padding(entry.size);
      const what = `the entry at byte ${dataOffset - TAR_BLOCK}`;

      if (entry.typeflag === "x" || entry.typeflag === "g" || entry.typeflag === "L" || entry.typeflag === "K") {
        if (entry.size > MAX_METADATA_BYTES) {
          throw new TarError(`${what} has ${entry.size} bytes of metadata, more than ${MAX_METADATA_BYTES}`);
        }
        const data = await takeExactly(entry.size, what);
        await skip(padding(entry.size), what);
        if (entry.typeflag === "x") pax = parsePax(data);
        else if (entry.typeflag === "L") longName = readString(data, 0, data.length);
        continue;
      }

      if (++entries > maxEntries) throw new TarError(`the archive has more than ${maxEntries} entries`);
      const name = pax.path ?? longName ?? entry.name;
      pax = {};
      longName = undefined;
      const target = safeEntryPath(root, name);

      if (entry.type === "directory") {
        await mkdir(target, { recursive: true });
        result.directories.push(target);
        await skip(entry.size + padding(entry.size), what);
      } else if (entry.type === "file") {
        if (result.bytes + entry.size > limits.maxBytes) {
          throw new TarError(
            `"${name}" (${entry.size} bytes) would take the results past ${limits.maxBytes} bytes unpacked; ` +
              "refusing to unpack more (raise the limit if you expect this much)",
          );
        }
        result.bytes += entry.size;
        await mkdir(path.dirname(target), { recursive: true });
        // No following a link that is already there; keep the owner's execute bit, never setuid or world-writable.
        const file = await open(
          target,
          constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
          entry.mode & 0o755 || 0o644,
        );
        result.files.push(target);
        try {
          await writeData(file, entry.size, take, what);
        } finally {
          await file.close();
        }
        await skip(padding(entry.size), what);
      } else {
        result.skipped.push(name);
        await skip(entry.size + padding(entry.size), what);
      }
    }
    return result;
  } catch (error) {
    await Promise.all(result.files.map((file) => rm(file, { force: true })));
    if (error instanceof TarError) throw error;
    const message = (error as Error).message;
    if ((error as { code?: string }).code?.startsWith("Z_")) {
      throw new TarError(`the results are not a valid gzip archive: ${message}`, { cause: error });
    }
    throw error;
  } finally {
    stream.destroy();
    input.destroy?.();
  }
}

/** Writes `size` bytes of entry data; pieces of only zeros are skipped (holes), and the file is sized at the end. */
async function writeData(
  file: FileHandle,
  size: number,
  take: (n: number) => Promise<Buffer>,
  what: string,
): Promise<void> {
  let position = 0;
  while (position < size) {
    const piece = await take(Math.min(size - position, PIECE));
    if (piece.length === 0) throw new TarError(`the archive ends inside ${what}; it is truncated`);
    if (!isZero(piece)) await file.write(piece, 0, piece.length, position);
    position += piece.length;
  }
  await file.truncate(size);
}

const ZEROS = Buffer.alloc(PIECE);
/** Whether `buffer` (at most `PIECE` bytes) is all zeros: one memcmp. */
const isZero = (buffer: Buffer) => buffer.equals(ZEROS.subarray(0, buffer.length));
