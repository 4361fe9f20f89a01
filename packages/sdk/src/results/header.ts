// The tar format's pieces that the whole-archive reader and the streaming extractor share: header fields, pax
// records, and the check that keeps an entry inside its folder.
import path from "node:path";

/** The size of a tar block: headers and data are laid out in blocks of 512 bytes. */
export const TAR_BLOCK = 512;

/** Thrown for an archive that is malformed, too large for its bounds, or tries to write outside the target folder. */
export class TarError extends Error {
  override name = "TarError";
}

/** What a tar header says about its entry. */
export interface TarHeader {
  /** The entry's path from the header alone (ustar prefix joined); pax or GNU records may replace it. */
  name: string;
  typeflag: string;
  type: "file" | "directory" | "symlink" | "hardlink" | "other";
  mode: number;
  size: number;
  linkName: string;
}

/** Reads one 512-byte header at byte `at` of the archive, checking its checksum. */
export function parseHeader(header: Uint8Array, at: number): TarHeader {
  checkChecksum(header, at);
  const typeflag = String.fromCharCode(header[156] ?? 0);
  const prefix = readString(header, 345, 155);
  const name = readString(header, 0, 100);
  const ustar = readString(header, 257, 5) === "ustar";
  return {
    name: ustar && prefix ? `${prefix}/${name}` : name,
    typeflag,
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
    mode: readNumber(header, 100, 8, at),
    size: readNumber(header, 124, 12, at),
    linkName: readString(header, 157, 100),
  };
}

/**
 * The path an entry would be written to under `dir`, or a `TarError` when it is absolute or
 * climbs out of `dir` with "..".
 * @example
 * safeEntryPath("results", "out/model.bin"); // "/abs/results/out/model.bin"
 * safeEntryPath("results", "../.bashrc"); // throws TarError
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

/** A NUL-terminated string field of a header. */
export function readString(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

/** Octal, or base-256 when the high bit of the first byte is set (GNU, for sizes ≥ 8 GiB). */
export function readNumber(block: Uint8Array, start: number, length: number, at: number): number {
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

/** Throws a `TarError` when a header's checksum does not match its bytes (a damaged archive). */
export function checkChecksum(header: Uint8Array, at: number): void {
  const stated = readNumber(header, 148, 8, at);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
  if (sum !== stated) throw new TarError(`tar header at byte ${at} has a bad checksum; the archive is damaged`);
}

/** Pax records: "<length> <key>=<value>\n". */
export function parsePax(data: Uint8Array): Record<string, string> {
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
