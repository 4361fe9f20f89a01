// The streaming extractor: a 256 MiB file unpacks with bounded memory and as a hole on disk; traversal, links
// already in place, too many bytes and damaged archives are refused, and what was written is removed.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractTarGzStream } from "./extract.js";
import { TarError } from "./header.js";

/** One ustar header + data, padded to 512-byte blocks. */
function entry(name: string, body: string, type = "0"): Buffer {
  const data = Buffer.from(body);
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100);
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
const targz = (...entries: Buffer[]) => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));

const SIZE = 256 * 2 ** 20;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "ocx-extract-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("extractTarGzStream", () => {
  it("unpacks a 256 MiB archive entry with bounded memory, as a hole on disk", async () => {
    // A sparse file packed by the system tar: 256 MiB of zeros in the archive, a few hundred KiB gzipped.
    const src = path.join(work, "src/out");
    await mkdir(src, { recursive: true });
    execFileSync("truncate", ["-s", String(SIZE), path.join(src, "big.bin")]);
    await writeFile(path.join(src, "tail.txt"), "the end\n");
    const archive = path.join(work, "big.tar.gz");
    execFileSync("sh", ["-c", `tar -cf - -C "${path.join(work, "src")}" out | gzip -1 > "${archive}"`]);
    expect((await stat(archive)).size).toBeLessThan(4 * 2 ** 20);

    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const dst = path.join(work, "dst");
    const started = Date.now();
    const result = await extractTarGzStream(archive, dst, { maxBytes: 2 ** 30 }).finally(() => clearInterval(sampler));
    peak = Math.max(peak, process.memoryUsage().rss);

    // The figure for the record: OCX_REPORT=1 prints it.
    if (process.env.OCX_REPORT) {
      console.log(`unpacked ${SIZE} B in ${Date.now() - started} ms; RSS grew ${(peak - before) / 2 ** 20} MiB`);
    }
    expect(result.bytes).toBe(SIZE + 8);
    const big = await stat(path.join(dst, "out/big.bin"));
    expect(big.size).toBe(SIZE);
    expect(big.blocks * 512).toBeLessThan(2 ** 20); // a hole, not 256 MiB of zeros
    expect(await readFile(path.join(dst, "out/tail.txt"), "utf8")).toBe("the end\n");
    // Reading the archive into memory would take at least the 256 MiB it unpacks to.
    expect(peak - before).toBeLessThan(64 * 2 ** 20);
  }, 120_000);

  it("refuses an entry that climbs out of the folder and removes what it had written", async () => {
    const dir = path.join(work, "traversal/inner");
    const archive = targz(entry("ok.txt", "fine"), entry("../escaped.txt", "evil"));
    const error = await extractTarGzStream(bufferSource(archive), dir, { maxBytes: 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TarError);
    expect((error as Error).message).toMatch(/"\.\.\/escaped\.txt" would be written outside/);
    expect(existsSync(path.join(work, "traversal/escaped.txt"))).toBe(false);
    expect(existsSync(path.join(dir, "ok.txt"))).toBe(false);
  });

  it("does not write through a link already at an entry's path", async () => {
    const dir = path.join(work, "links");
    await mkdir(dir, { recursive: true });
    const outside = path.join(work, "outside.txt");
    await writeFile(outside, "untouched");
    await symlink(outside, path.join(dir, "a.txt"));
    await expect(
      extractTarGzStream(bufferSource(targz(entry("a.txt", "evil"))), dir, { maxBytes: 1024 }),
    ).rejects.toThrow(/ELOOP|symbolic link/);
    expect(await readFile(outside, "utf8")).toBe("untouched");
  });

  it("stops at the caller's bounds on bytes and entries", async () => {
    const dir = path.join(work, "bounds");
    const archive = targz(entry("a.txt", "x".repeat(600)), entry("b.txt", "y".repeat(600)));
    await expect(extractTarGzStream(bufferSource(archive), dir, { maxBytes: 1000 })).rejects.toThrow(
      /"b\.txt" \(600 bytes\) would take the results past 1000 bytes/,
    );
    expect(existsSync(path.join(dir, "a.txt"))).toBe(false);
    await expect(extractTarGzStream(bufferSource(archive), dir, { maxBytes: 10_000, maxEntries: 1 })).rejects.toThrow(
      /more than 1 entries/,
    );
  });

  it("says when the bytes are not a gzip archive, or are cut short", async () => {
    const dir = path.join(work, "bad");
    await expect(
      extractTarGzStream(bufferSource(Buffer.from("not gzip at all")), dir, { maxBytes: 1024 }),
    ).rejects.toThrow(/not a valid gzip archive/);
    const whole = Buffer.concat([entry("a.txt", "x".repeat(2000))]);
    const cut = gzipSync(whole.subarray(0, 1000));
    await expect(extractTarGzStream(bufferSource(cut), dir, { maxBytes: 10_000 })).rejects.toThrow(/truncated/);
  });
});

/** The bytes as an async iterable, the way a fetch body arrives. */
async function* bufferSource(bytes: Buffer) {
  yield bytes;
}
