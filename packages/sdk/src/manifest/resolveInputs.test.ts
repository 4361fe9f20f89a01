import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalManifest, manifestHash } from "./canonical.js";
import { parseManifest } from "./parse.js";
import { resolveInputs, sha256File } from "./resolveInputs.js";

const sha256 = (text: string) => `0x${createHash("sha256").update(text).digest("hex")}`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ocx-inputs-"));
  await mkdir(path.join(dir, "data/sub"), { recursive: true });
  await writeFile(path.join(dir, "train.py"), "print('hi')\n");
  await writeFile(path.join(dir, "data/b.csv"), "b\n");
  await writeFile(path.join(dir, "data/a.csv"), "a\n");
  await writeFile(path.join(dir, "data/sub/c.bin"), "");
  await symlink(path.join(dir, "data"), path.join(dir, "data/sub/loop"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const manifestWith = (inputs: string) =>
  parseManifest(`version: 1\nname: job\ncommand: python train.py\nmaxDuration: 1h\ninputs:\n${inputs}`);

describe("resolveInputs", () => {
  it("hashes files and expands folders into one input per file", async () => {
    const manifest = manifestWith("  - { path: train.py, source: train.py }\n  - { path: in, source: data }\n");
    const resolved = await resolveInputs(manifest, dir);
    expect(resolved.inputs).toEqual([
      { path: "train.py", source: "train.py", sha256: sha256("print('hi')\n"), size: 12 },
      { path: "in/a.csv", source: path.join("data", "a.csv"), sha256: sha256("a\n"), size: 2 },
      { path: "in/b.csv", source: path.join("data", "b.csv"), sha256: sha256("b\n"), size: 2 },
      { path: "in/sub/c.bin", source: path.join("data", "sub/c.bin"), sha256: sha256(""), size: 0 },
    ]);
    expect(manifest.inputs).toHaveLength(2);
    expect(manifestHash(resolved)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(canonicalManifest(resolved)).toContain(`{"path":"in/a.csv","sha256":"${sha256("a\n")}","size":2}`);
  });

  it("puts a folder at the root of the job folder with path '.', following links once", async () => {
    const resolved = await resolveInputs(manifestWith("  - { path: ., source: data/sub }\n"), dir);
    expect(resolved.inputs.map((input) => input.path)).toEqual(["c.bin", "loop/a.csv", "loop/b.csv"]);
  });

  it("checks a sha256 written in the manifest against the file", async () => {
    const good = await resolveInputs(
      manifestWith(`  - { path: a, source: data/a.csv, sha256: "${sha256("a\n")}" }\n`),
      dir,
    );
    expect(good.inputs[0]?.size).toBe(2);
    const bad = manifestWith(`  - { path: a, source: data/a.csv, sha256: "${sha256("x")}" }\n`);
    await expect(resolveInputs(bad, dir)).rejects.toThrow(
      /inputs\[0\]\.sha256: does not match .*a\.csv, whose sha256 is/,
    );
  });

  it("names missing sources, files placed at '.', and paths given twice", async () => {
    await expect(resolveInputs(manifestWith("  - { path: x, source: nope.txt }\n"), dir)).rejects.toThrow(
      /inputs\[0\]\.source: no file or folder at .*nope\.txt, got "nope.txt"/,
    );
    await expect(resolveInputs(manifestWith("  - { path: ., source: train.py }\n"), dir)).rejects.toThrow(
      /inputs\[0\]\.path: "\." names the whole job folder/,
    );
    const twice = manifestWith("  - { path: d/a.csv, source: data/a.csv }\n  - { path: d, source: data }\n");
    await expect(resolveInputs(twice, dir)).rejects.toThrow(/"d\/a\.csv" comes from both/);
  });

  it("streams a file's hash and size", async () => {
    expect(await sha256File(path.join(dir, "data/a.csv"))).toEqual({ sha256: sha256("a\n"), size: 2 });
  });
});
