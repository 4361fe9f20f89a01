// Applies an OCI image layer (a tar stream, already decompressed) to a root folder: regular
// files, folders, symlinks and hard links, OCI whiteouts (".wh.<name>", ".wh..wh..opq"). Every
// path is resolved inside the root as a chroot would (a symlink in the image can never lead a
// write outside it), setuid/setgid bits are dropped, device nodes and FIFOs are skipped, and the
// bytes written are counted against a limit.
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";

/** Thrown when a layer is malformed, escapes the root, or is larger than allowed. */
export class LayerError extends Error {
  override name = "LayerError";
}

/** What applying one layer did. */
export interface LayerReport {
  /** sha256 of the uncompressed tar ("sha256:<hex>"): the layer's diff id. */
  diffId: string;
  /** Bytes of file content written. */
  bytes: number;
  entries: number;
  /** Device nodes and FIFOs skipped (the sandbox provides /dev). */
  skipped: number;
}

/** Options of {@link applyLayer}. */
export interface ApplyLayerOptions {
  /** Most bytes of file content this layer may write. */
  maxBytes: number;
  /** Most entries (files, folders, links) this layer may have. Default 1,000,000. */
  maxEntries?: number;
}

type Header = { name: string; linkname: string; mode: number; size: number; type: string };

const BLOCK = 512;

function field(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString("utf8", start, end === -1 || end > start + length ? start + length : end);
}

function octal(block: Buffer, start: number, length: number): number {
  // GNU base-256 for values that do not fit in octal digits.
  if ((block[start] as number) & 0x80) {
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + (block[i] as number);
    return value;
  }
  const text = field(block, start, length).trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

function parseHeader(block: Buffer): Header | undefined {
  if (block.every((byte) => byte === 0)) return undefined;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] as number);
  if (sum !== octal(block, 148, 8)) throw new LayerError("a tar header has a wrong checksum: the layer is corrupt");
  const magic = block.toString("latin1", 257, 262);
  const prefix = magic === "ustar" ? field(block, 345, 155) : "";
  const name = field(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    linkname: field(block, 157, 100),
    mode: octal(block, 100, 8),
    size: octal(block, 124, 12),
    type: String.fromCharCode(block[156] as number) || "0",
  };
}

function paxRecords(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number.parseInt(data.toString("utf8", at, space), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.toString("utf8", space + 1, at + length - 1);
    const equals = record.indexOf("=");
    if (equals !== -1) records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

/** The parts of an archive path inside the root; refuses ".." that would climb out. */
function cleanParts(name: string): string[] {
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) throw new LayerError(`the layer entry "${name}" points outside the image's root`);
      parts.pop();
    } else parts.push(part);
  }
  return parts;
}

/**
 * Resolves the folder `parts` inside `root` as the image would see it: symlinks followed within
 * the root (an absolute target starts again at the root), missing folders created. Returns a host
 * path that is a real folder inside the root.
 */
function resolveFolder(root: string, parts: string[], depth = 0): string {
  if (depth > 40) throw new LayerError(`too many symlinks under /${parts.join("/")}`);
  let current = root;
  const stack: string[] = [];
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index] as string;
    const next = path.join(current, part);
    let stat: ReturnType<typeof lstatSync> | undefined;
    try {
      stat = lstatSync(next);
    } catch {
      stat = undefined;
    }
    if (stat?.isSymbolicLink()) {
      const target = readlinkSync(next);
      const base = target.startsWith("/") ? [] : [...stack];
      const resolved = cleanPartsWithin([...base, ...target.split("/")]);
      return resolveFolder(root, [...resolved, ...parts.slice(index + 1)], depth + 1);
    }
    if (stat && !stat.isDirectory()) rmSync(next, { force: true });
    if (!stat?.isDirectory()) mkdirSync(next, { mode: 0o755 });
    current = next;
    stack.push(part);
  }
  return current;
}

/** Like cleanParts, but ".." at the root stays at the root (as in a chroot). */
function cleanPartsWithin(raw: string[]): string[] {
  const parts: string[] = [];
  for (const part of raw) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts;
}

function removeEntry(target: string) {
  rmSync(target, { recursive: true, force: true });
}

/**
 * Reads a decompressed layer (an iterable of chunks, such as a gunzip stream or an array) and applies
 * it to `root`. Resolves with the layer's diff id and sizes; rejects with `LayerError` for a
 * corrupt layer, an entry escaping the root, or more than `maxBytes` of content.
 * @example
 * const report = await applyLayer(createReadStream(blob).pipe(createGunzip()), rootDir, { maxBytes: 2 ** 30 });
 * report.diffId === config.rootfs.diff_ids[0];
 */
export async function applyLayer(
  stream: AsyncIterable<Buffer> | Iterable<Buffer>,
  root: string,
  options: ApplyLayerOptions,
): Promise<LayerReport> {
  const maxEntries = options.maxEntries ?? 1_000_000;
  const hash = createHash("sha256");
  const report = { bytes: 0, entries: 0, skipped: 0 };
  /** Paths this layer created: whiteouts in it apply to lower layers only. */
  const created = new Set<string>();
  let pending: Buffer = Buffer.alloc(0);
  let header: Header | undefined;
  let remaining = 0; // bytes of the current entry's data still to come
  let padding = 0;
  let fd: number | undefined;
  let meta: Buffer[] | undefined; // data of a PAX or GNU long-name entry
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let ended = false;

  const begin = (entry: Header) => {
    if (entry.type === "x" || entry.type === "L" || entry.type === "K") {
      meta = [];
      return;
    }
    if (entry.type === "g") return; // global PAX headers: nothing OCX uses
    const name = pax.path ?? longName ?? entry.name;
    const linkname = pax.linkpath ?? longLink ?? entry.linkname;
    if (pax.size !== undefined) entry.size = Number(pax.size);
    pax = {};
    longName = undefined;
    longLink = undefined;
    if (++report.entries > maxEntries) throw new LayerError(`the layer has more than ${maxEntries} entries`);
    const parts = cleanParts(name);
    if (parts.length === 0) return; // the root itself
    const base = parts[parts.length - 1] as string;
    const folder = resolveFolder(root, parts.slice(0, -1));
    const key = parts.join("/");
    if (base === ".wh..wh..opq") {
      for (const child of readdirSync(folder)) {
        const childKey = [...parts.slice(0, -1), child].join("/");
        if (!created.has(childKey)) removeEntry(path.join(folder, child));
      }
      return;
    }
    if (base.startsWith(".wh.")) {
      const hidden = [...parts.slice(0, -1), base.slice(4)].join("/");
      if (!created.has(hidden)) removeEntry(path.join(folder, base.slice(4)));
      return;
    }
    const target = path.join(folder, base);
    created.add(key);
    let existing: ReturnType<typeof lstatSync> | undefined;
    try {
      existing = lstatSync(target);
    } catch {
      existing = undefined;
    }
    // Keep only the permission bits; setuid and setgid mean nothing good in a sandbox.
    const mode = entry.mode & 0o1777;
    switch (entry.type) {
      case "5":
        if (existing && !existing.isDirectory()) removeEntry(target);
        if (!existing?.isDirectory()) mkdirSync(target, { mode: 0o755 });
        {
          const dir = openSync(target, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
          try {
            fchmodSync(dir, mode | 0o700);
          } finally {
            closeSync(dir);
          }
        }
        return;
      case "0":
      case "7":
        if (existing) removeEntry(target);
        fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        fchmodSync(fd, mode);
        return;
      case "2":
        if (existing) removeEntry(target);
        symlinkSync(linkname, target);
        return;
      case "1": {
        if (existing) removeEntry(target);
        const sourceParts = cleanParts(linkname);
        const sourceFolder = resolveFolder(root, sourceParts.slice(0, -1));
        const source = path.join(sourceFolder, sourceParts[sourceParts.length - 1] ?? "");
        const stat = lstatSync(source, { throwIfNoEntry: false });
        if (!stat || stat.isDirectory()) {
          throw new LayerError(`the hard link "${name}" points at "${linkname}", which is not a file of the image`);
        }
        linkSync(source, target);
        return;
      }
      default:
        // Character and block devices, FIFOs: the sandbox has its own /dev.
        report.skipped++;
    }
  };

  const data = (chunk: Buffer) => {
    if (meta) meta.push(chunk);
    else if (fd !== undefined) {
      report.bytes += chunk.length;
      if (report.bytes > options.maxBytes) {
        throw new LayerError(`the layer holds more than ${options.maxBytes} bytes of files, the image size limit`);
      }
      let written = 0;
      while (written < chunk.length) written += writeSync(fd, chunk, written);
    }
  };

  const end = (entry: Header) => {
    if (fd !== undefined) {
      closeSync(fd);
      fd = undefined;
    }
    if (!meta) return;
    const content = Buffer.concat(meta);
    meta = undefined;
    if (entry.type === "x") pax = paxRecords(content);
    else if (entry.type === "L") longName = content.toString("utf8").replace(/\0+$/, "");
    else if (entry.type === "K") longLink = content.toString("utf8").replace(/\0+$/, "");
  };

  try {
    for await (const chunk of stream) {
      hash.update(chunk);
      if (ended) continue; // trailing zeros after the end marker count in the diff id
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length > 0 && !ended) {
        if (header) {
          if (remaining > 0) {
            const take = Math.min(remaining, pending.length);
            data(pending.subarray(0, take));
            pending = pending.subarray(take);
            remaining -= take;
            if (remaining > 0) break;
          }
          if (padding > 0) {
            const skip = Math.min(padding, pending.length);
            pending = pending.subarray(skip);
            padding -= skip;
            if (padding > 0) break;
          }
          end(header);
          header = undefined;
          continue;
        }
        if (pending.length < BLOCK) break;
        const block = pending.subarray(0, BLOCK);
        pending = pending.subarray(BLOCK);
        const next = parseHeader(block);
        if (!next) {
          ended = true;
          break;
        }
        begin(next);
        // Links, folders and devices carry no data whatever their size field says.
        const size = next.type === "0" || next.type === "7" || meta ? next.size : 0;
        header = next;
        remaining = size;
        padding = (BLOCK - (size % BLOCK)) % BLOCK;
      }
    }
    if (header && (remaining > 0 || padding > 0)) throw new LayerError("the layer ends in the middle of a file");
    if (header) end(header);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return { diffId: `sha256:${hash.digest("hex")}`, ...report };
}
