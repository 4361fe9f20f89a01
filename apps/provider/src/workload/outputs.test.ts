import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OutputPathError, packOutputs } from "./outputs.js";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A job folder with a few outputs: a file, a folder with nested files, an executable. */
function jobFolder(content = "loss=0.12\n") {
  const root = mkdtempSync(path.join(os.tmpdir(), "ocx-outputs-"));
  folders.push(root);
  const jobDir = path.join(root, "job");
  mkdirSync(path.join(jobDir, "out", "checkpoints"), { recursive: true });
  writeFileSync(path.join(jobDir, "metrics.txt"), content);
  writeFileSync(path.join(jobDir, "out", "b.bin"), Buffer.alloc(70_000, 7));
  writeFileSync(path.join(jobDir, "out", "a.txt"), "first\n");
  writeFileSync(path.join(jobDir, "out", "checkpoints", "step-1.pt"), "weights");
  writeFileSync(path.join(jobDir, "out", "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
  writeFileSync(path.join(jobDir, "not-an-output.txt"), "scratch");
  return { root, jobDir };
}

describe("packOutputs", () => {
  it("packs the declared outputs, sorted, and lists the files and the missing ones", async () => {
    const { root, jobDir } = jobFolder();
    const packed = await packOutputs(jobDir, ["out/", "metrics.txt", "missing.json"], path.join(root, "result.tar.gz"));
    expect(packed.files).toEqual([
      { path: "metrics.txt", size: 10 },
      { path: "out/a.txt", size: 6 },
      { path: "out/b.bin", size: 70_000 },
      { path: "out/checkpoints/step-1.pt", size: 7 },
      { path: "out/run.sh", size: 10 },
    ]);
    expect(packed.missing).toEqual(["missing.json"]);
    expect(packed.sha256).toMatch(/^0x[0-9a-f]{64}$/);
    expect(packed.size).toBe(readFileSync(path.join(root, "result.tar.gz")).length);
    // The system's tar reads it: names, owner 0, fixed mtime, normalised modes.
    const listing = execFileSync("tar", ["-tvzf", path.join(root, "result.tar.gz"), "--numeric-owner"], {
      encoding: "utf8",
    });
    expect(listing.trim().split("\n")).toEqual([
      "-rw-r--r-- 0/0              10 1970-01-01 00:00 metrics.txt",
      "drwxr-xr-x 0/0               0 1970-01-01 00:00 out/",
      "-rw-r--r-- 0/0               6 1970-01-01 00:00 out/a.txt",
      "-rw-r--r-- 0/0           70000 1970-01-01 00:00 out/b.bin",
      "drwxr-xr-x 0/0               0 1970-01-01 00:00 out/checkpoints/",
      "-rw-r--r-- 0/0               7 1970-01-01 00:00 out/checkpoints/step-1.pt",
      "-rwxr-xr-x 0/0              10 1970-01-01 00:00 out/run.sh",
    ]);
    const unpacked = path.join(root, "unpacked");
    mkdirSync(unpacked);
    execFileSync("tar", ["-xzf", path.join(root, "result.tar.gz"), "-C", unpacked]);
    expect(readFileSync(path.join(unpacked, "out", "b.bin"))).toEqual(Buffer.alloc(70_000, 7));
  });

  it("gives the same hash for the same outputs, whatever their times or the order they are declared in", async () => {
    const first = jobFolder();
    const second = jobFolder();
    utimesSync(path.join(second.jobDir, "metrics.txt"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const a = await packOutputs(first.jobDir, ["out", "metrics.txt"], path.join(first.root, "a.tar.gz"));
    const b = await packOutputs(second.jobDir, ["metrics.txt", "./out/"], path.join(second.root, "b.tar.gz"));
    const again = await packOutputs(first.jobDir, ["out", "metrics.txt"], path.join(first.root, "c.tar.gz"));
    expect(b.sha256).toBe(a.sha256);
    expect(again.sha256).toBe(a.sha256);
    expect(b.tarSha256).toBe(a.tarSha256);
  });

  it("gives a different hash for different content", async () => {
    const first = jobFolder("loss=0.12\n");
    const second = jobFolder("loss=0.13\n");
    const a = await packOutputs(first.jobDir, ["out", "metrics.txt"], path.join(first.root, "a.tar.gz"));
    const b = await packOutputs(second.jobDir, ["out", "metrics.txt"], path.join(second.root, "b.tar.gz"));
    expect(b.sha256).not.toBe(a.sha256);
    expect(b.tarSha256).not.toBe(a.tarSha256);
  });

  it("stores symlinks as links and never packs what they point to", async () => {
    const { root, jobDir } = jobFolder();
    symlinkSync("/etc/passwd", path.join(jobDir, "out", "passwd"));
    symlinkSync("/etc", path.join(jobDir, "etc-link"));
    const packed = await packOutputs(jobDir, ["out", "etc-link/passwd"], path.join(root, "r.tar.gz"));
    expect(packed.missing).toEqual(["etc-link/passwd"]);
    expect(packed.files.map((file) => file.path)).not.toContain("out/passwd");
    const listing = execFileSync("tar", ["-tvzf", path.join(root, "r.tar.gz")], { encoding: "utf8" });
    expect(listing).toContain("out/passwd -> /etc/passwd");
  });

  it("keeps paths longer than ustar's 100 bytes (prefix field, then PAX)", async () => {
    const { root, jobDir } = jobFolder();
    const deep = path.join("deep", "d".repeat(120), "e".repeat(90));
    mkdirSync(path.join(jobDir, deep), { recursive: true });
    writeFileSync(path.join(jobDir, deep, "f.txt"), "deep");
    const long = "n".repeat(180);
    writeFileSync(path.join(jobDir, "deep", long), "long");
    await packOutputs(jobDir, ["deep"], path.join(root, "r.tar.gz"));
    const names = execFileSync("tar", ["-tzf", path.join(root, "r.tar.gz")], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(names).toContain(`${deep}/f.txt`);
    expect(names).toContain(`deep/${long}`);
  });

  it("bounds the outputs by the disk limit by apparent size: an 8 GB sparse file is left out at once, and said so", async () => {
    const { root, jobDir } = jobFolder();
    const huge = path.join(jobDir, "out", "huge.bin");
    closeSync(openSync(huge, "w"));
    truncateSync(huge, 8 * 1024 ** 3); // 8 GiB apparent, no blocks.
    const started = performance.now();
    const packed = await packOutputs(jobDir, ["out/", "metrics.txt"], path.join(root, "r.tar.gz"), {
      maxBytes: 64 * 1024 * 1024,
    });
    const tookMs = performance.now() - started;
    console.log(`packing outputs with an 8 GiB sparse file under a 64 MiB limit took ${tookMs.toFixed(0)} ms`);
    expect(tookMs).toBeLessThan(5000);
    expect(packed.omitted).toEqual([{ path: "out/huge.bin", size: 8 * 1024 ** 3 }]);
    expect(packed.warnings).toEqual([
      "1 output file(s) of 8192.0 MiB left out: the outputs may hold at most 64.0 MiB (the job's disk limit), counted by apparent size; see OCX-OMITTED.txt in the results",
    ]);
    expect(packed.files.map((file) => file.path)).toEqual([
      "OCX-OMITTED.txt",
      "metrics.txt",
      "out/a.txt",
      "out/b.bin",
      "out/checkpoints/step-1.pt",
      "out/run.sh",
    ]);
    const notice = execFileSync("tar", ["-xzOf", path.join(root, "r.tar.gz"), "OCX-OMITTED.txt"], { encoding: "utf8" });
    expect(notice).toContain(`out/huge.bin\t${8 * 1024 ** 3} bytes`);
  });

  it("takes files in path order while they fit the bound, and packs everything when they all fit", async () => {
    const { root, jobDir } = jobFolder();
    // metrics.txt (10) + out/a.txt (6) fit in 33 bytes; out/b.bin (70,000) does not; the small files after it still do.
    const packed = await packOutputs(jobDir, ["out/", "metrics.txt"], path.join(root, "r.tar.gz"), { maxBytes: 33 });
    expect(packed.omitted).toEqual([{ path: "out/b.bin", size: 70_000 }]);
    expect(packed.files.map((file) => file.path)).toEqual([
      "OCX-OMITTED.txt",
      "metrics.txt",
      "out/a.txt",
      "out/checkpoints/step-1.pt",
      "out/run.sh",
    ]);
    const all = await packOutputs(jobDir, ["out/", "metrics.txt"], path.join(root, "all.tar.gz"), { maxBytes: 70_033 });
    expect(all.omitted).toEqual([]);
    expect(all.warnings).toEqual([]);
    const unbounded = await packOutputs(jobDir, ["out/", "metrics.txt"], path.join(root, "u.tar.gz"));
    expect(unbounded.sha256).toBe(all.sha256);
  });

  it("refuses outputs outside the job folder", async () => {
    const { root, jobDir } = jobFolder();
    for (const output of ["../secret", "/etc/passwd", "out/../../x", "."]) {
      await expect(packOutputs(jobDir, [output], path.join(root, "r.tar.gz"))).rejects.toThrow(OutputPathError);
    }
  });
});
