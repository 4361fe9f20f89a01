import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { extractTarGz, readTar, safeEntryPath, TarError } from "./tar.js";

/** One ustar header + data, padded to 512-byte blocks. */
function entry(name: string, body: string | Uint8Array, type = "0"): Buffer {
  const data = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write(type, 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([header, padded]);
}

const archive = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

function pax(records: Record<string, string>): Buffer {
  let text = "";
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (`${length}${body}`.length !== length) length++;
    text += `${length}${body}`;
  }
  return entry("PaxHeader", text, "x");
}

describe("readTar", () => {
  it("reads files, folders, pax long names and GNU long names", () => {
    const longName = `${"deep/".repeat(30)}file.txt`;
    const entries = readTar(
      archive(
        entry("out/", "", "5"),
        entry("out/a.txt", "hello"),
        pax({ path: longName }),
        entry("ignored-short-name", "pax"),
        entry("././@LongLink", `${"gnu/".repeat(40)}x.bin\0`, "L"),
        entry("short", "gnu"),
      ),
    );
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ["out/", "directory"],
      ["out/a.txt", "file"],
      [longName, "file"],
      [`${"gnu/".repeat(40)}x.bin`, "file"],
    ]);
    expect(Buffer.from(entries[1]?.data ?? []).toString()).toBe("hello");
    expect(Buffer.from(entries[3]?.data ?? []).toString()).toBe("gnu");
  });

  it("refuses a damaged header", () => {
    const bytes = archive(entry("a.txt", "x"));
    bytes[0] = "b".charCodeAt(0);
    expect(() => readTar(bytes)).toThrow(/bad checksum/);
  });
});

describe("extractTarGz", () => {
  it("unpacks into the folder", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ocx-tar-"));
    const result = await extractTarGz(gzipSync(archive(entry("out/", "", "5"), entry("out/m.bin", "weights"))), dir);
    expect(await readFile(path.join(dir, "out/m.bin"), "utf8")).toBe("weights");
    expect(result.files).toEqual([path.join(dir, "out/m.bin")]);
  });

  it("refuses an entry that climbs out of the folder, before writing anything", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ocx-tar-"));
    const target = path.join(dir, "inner");
    const bytes = gzipSync(archive(entry("ok.txt", "fine"), entry("../escaped.txt", "evil")));
    await expect(extractTarGz(bytes, target)).rejects.toThrow(TarError);
    await expect(extractTarGz(bytes, target)).rejects.toThrow(/"\.\.\/escaped\.txt" would be written outside/);
    expect(existsSync(path.join(dir, "escaped.txt"))).toBe(false);
    expect(existsSync(path.join(target, "ok.txt"))).toBe(false);
  });

  it("refuses absolute paths and skips links", async () => {
    expect(() => safeEntryPath("/tmp/x", "/etc/passwd")).toThrow(TarError);
    expect(() => safeEntryPath("/tmp/x", "a/../../b")).toThrow(TarError);
    expect(safeEntryPath("/tmp/x", "a/b")).toBe(path.resolve("/tmp/x/a/b"));
    const dir = await mkdtemp(path.join(os.tmpdir(), "ocx-tar-"));
    const link = entry("link", "", "2");
    link.write("/etc/passwd", 157);
    // Recompute the checksum after writing the link target.
    link.write("        ", 148);
    let sum = 0;
    for (const byte of link.subarray(0, 512)) sum += byte;
    link.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    const result = await extractTarGz(gzipSync(archive(link)), dir);
    expect(result.skipped).toEqual(["link"]);
    expect(existsSync(path.join(dir, "link"))).toBe(false);
  });

  it("reads what the system tar writes", async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), "ocx-tar-"));
    await mkdir(path.join(work, "src/out/nested"), { recursive: true });
    await writeFile(path.join(work, "src/out/nested/r.json"), '{"loss":0.1}');
    try {
      execFileSync("tar", ["-czf", path.join(work, "r.tar.gz"), "-C", path.join(work, "src"), "out"]);
    } catch {
      return; // no tar on this machine
    }
    await extractTarGz(await readFile(path.join(work, "r.tar.gz")), path.join(work, "dst"));
    expect(await readFile(path.join(work, "dst/out/nested/r.json"), "utf8")).toBe('{"loss":0.1}');
  });
});
