// A minimal reader for the tar.gz archives that providers pack results into (ustar, with pax and GNU long names),
// for small archives already in memory; `extractTarGz` unpacks through the streaming extractor.
import { Readable } from "node:stream";
import { extractTarGzStream } from "./extract.js";
import { parseHeader, parsePax, readString, TAR_BLOCK, TarError } from "./header.js";

export { safeEntryPath, TarError } from "./header.js";

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

/**
 * Reads every entry of an uncompressed tar archive held in memory (for tests and small archives; unpack results
 * with `extractTarGzStream`).
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
  while (offset + TAR_BLOCK <= archive.length) {
    const block = archive.subarray(offset, offset + TAR_BLOCK);
    // Two zero blocks end the archive; one is enough to stop reading.
    if (block.every((byte) => byte === 0)) break;
    const header = parseHeader(block, offset);
    const dataStart = offset + TAR_BLOCK;
    const dataEnd = dataStart + header.size;
    if (dataEnd > archive.length) {
      throw new TarError(`tar entry at byte ${offset} claims ${header.size} bytes, past the end of the archive`);
    }
    const data = archive.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(header.size / TAR_BLOCK) * TAR_BLOCK;
    const { typeflag } = header;
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
    const linkTarget = pax.linkpath ?? longLink ?? header.linkName;
    entries.push({
      path: pax.path ?? longName ?? header.name,
      type: header.type,
      mode: header.mode,
      size: header.size,
      ...(header.type === "hardlink" || header.type === "symlink" ? { linkTarget } : {}),
      data,
    });
    longName = undefined;
    longLink = undefined;
    pax = {};
  }
  return entries;
}

/**
 * The bound `extractTarGz` puts on unpacked bytes unless given one: 16 GiB.
 * @example
 * await extractTarGzStream(file, dir, { maxBytes: DEFAULT_MAX_RESULT_BYTES });
 */
export const DEFAULT_MAX_RESULT_BYTES = 16 * 2 ** 30;

/**
 * Unpacks a tar.gz held in memory into `dir`, through `extractTarGzStream` (entries checked as they come; links
 * skipped and listed in `skipped`). For results on disk, call `extractTarGzStream` with the file's path.
 * @example
 * const { files } = await extractTarGz(bytes, "results"); // ["/abs/results/out/model.bin"]
 */
export async function extractTarGz(
  archive: Uint8Array,
  dir: string,
  limits: { maxBytes: number; maxEntries?: number } = { maxBytes: DEFAULT_MAX_RESULT_BYTES },
): Promise<{ files: string[]; directories: string[]; skipped: string[] }> {
  const { files, directories, skipped } = await extractTarGzStream(
    Readable.from([Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)]),
    dir,
    limits,
  );
  return { files, directories, skipped };
}
