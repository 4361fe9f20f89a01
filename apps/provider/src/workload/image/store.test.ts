import { execFileSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyLayer, LayerError } from "./layer.js";
import { parseImageReference } from "./reference.js";
import { createImageStore, ImageError } from "./store.js";
import { buildTestImage, serveLayoutAsRegistry, TEST_IMAGE_MARKER, type TestImage } from "./testImage.js";

let work: string;
let image: TestImage;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "ocx-image-test-"));
  image = buildTestImage(path.join(work, "built"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const freshStore = (options = {}) => createImageStore({ dir: mkdtempSync(path.join(work, "cache-")), ...options });

function expectBusyboxRoot(root: string) {
  expect(lstatSync(path.join(root, "bin", "busybox")).isFile()).toBe(true);
  expect(readlinkSync(path.join(root, "bin", "sh"))).toBe("busybox");
  expect(readFileSync(path.join(root, TEST_IMAGE_MARKER), "utf8")).toBe("OCX busybox test image\n");
  // Layer 2's whiteout removed layer 1's /usr/share/doc.
  expect(existsSync(path.join(root, "usr", "share", "doc"))).toBe(false);
  expect(existsSync(path.join(root, "usr", "share"))).toBe(true);
}

describe("image store", () => {
  it("imports an OCI layout folder, verifying blobs and diff ids, and caches by digest", async () => {
    const store = freshStore();
    const unpacked = await store.importLayout(image.layout, image.reference);
    expect(unpacked.digest).toBe(image.manifestDigest);
    expect(unpacked.root).toBe(path.join(store.dir, "roots", image.manifestDigest.slice(7)));
    expect(unpacked.config).toEqual({
      env: { PATH: "/bin", IMAGE_GREETING: "hello from the image" },
      entrypoint: [],
      cmd: ["/bin/sh", "-c", "echo image command in $(pwd)"],
      workingDir: "/usr",
    });
    expectBusyboxRoot(unpacked.root);
    // Known now: resolve finds it without any source.
    const again = await store.resolve("ocx/busybox");
    expect(again.root).toBe(unpacked.root);
  });

  it("imports a layout archive, and resolves through the configured layouts", async () => {
    const store = freshStore({ layouts: [image.archive], pull: false });
    const unpacked = await store.resolve("docker.io/ocx/busybox:latest");
    expectBusyboxRoot(unpacked.root);
    await expect(store.resolve("ocx/other:1")).rejects.toThrow(
      /in none of the provider's image layouts and pulling is off/,
    );
  });

  it("pulls from a registry over real HTTP, by tag and by digest", async () => {
    const registry = await serveLayoutAsRegistry(image.layout);
    try {
      const store = freshStore();
      const unpacked = await store.resolve(`${registry.host}/ocx/busybox:latest`);
      expect(unpacked.digest).toBe(image.manifestDigest);
      expectBusyboxRoot(unpacked.root);
      expect(registry.requests).toEqual([
        "GET /v2/ocx/busybox/manifests/latest",
        expect.stringMatching(/^GET \/v2\/ocx\/busybox\/blobs\/sha256:/),
        expect.stringMatching(/^GET \/v2\/ocx\/busybox\/blobs\/sha256:/),
        expect.stringMatching(/^GET \/v2\/ocx\/busybox\/blobs\/sha256:/),
      ]);
      const pinned = await freshStore().pull(`${registry.host}/ocx/busybox@${image.manifestDigest}`);
      expect(pinned.root.endsWith(image.manifestDigest.slice(7))).toBe(true);
      await expect(freshStore().pull(`${registry.host}/ocx/busybox:nope`)).rejects.toThrow(
        /answered 404 .* no such image or tag/,
      );
    } finally {
      await registry.close();
    }
  });

  it("pulls through the anonymous bearer-token handshake public registries use", async () => {
    const registry = await serveLayoutAsRegistry(image.layout, { bearerToken: "t0ken" });
    try {
      const unpacked = await freshStore().resolve(`${registry.host}/ocx/busybox:latest`);
      expectBusyboxRoot(unpacked.root);
      expect(registry.requests.slice(0, 3)).toEqual([
        "GET /v2/ocx/busybox/manifests/latest",
        "GET /token?service=test-registry&scope=repository%3Aocx%2Fbusybox%3Apull",
        "GET /v2/ocx/busybox/manifests/latest",
      ]);
      // The token is kept for the blobs: one handshake per repository.
      expect(registry.requests.filter((request) => request.startsWith("GET /token"))).toHaveLength(1);
    } finally {
      await registry.close();
    }
  });

  it("refuses a tampered blob and a manifest that does not match its pinned digest", async () => {
    const copy = path.join(work, "tampered");
    execFileSync("cp", ["-r", image.layout, copy]);
    const index = JSON.parse(readFileSync(path.join(copy, "index.json"), "utf8"));
    const manifest = JSON.parse(
      readFileSync(path.join(copy, "blobs", "sha256", index.manifests[0].digest.slice(7)), "utf8"),
    );
    const layer = path.join(copy, "blobs", "sha256", manifest.layers[1].digest.slice(7));
    const bytes = readFileSync(layer);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(layer, bytes);
    await expect(freshStore().importLayout(copy, image.reference)).rejects.toThrow(/failed verification: .* tampered/);
    const registry = await serveLayoutAsRegistry(image.layout, { answerAnyReference: true });
    try {
      const wrong = `sha256:${"0".repeat(64)}`;
      const pulling = freshStore().pull(`${registry.host}/ocx/busybox@${wrong}`);
      await expect(pulling).rejects.toThrow(ImageError);
      await expect(pulling).rejects.toThrow(/content of digest .* tampered with/);
    } finally {
      await registry.close();
    }
  });

  it("refuses an image over the size limit", async () => {
    await expect(freshStore({ maxImageBytes: 1000 }).importLayout(image.layout, image.reference)).rejects.toThrow(
      /over 1000 bytes|image size limit/,
    );
  });
});

describe("applyLayer", () => {
  const tarOf = (folder: string, ...names: string[]) =>
    execFileSync("tar", ["--owner=0", "--group=0", "-C", folder, "-cf", "-", ...names]);
  const chunks = (bytes: Buffer, size = 700) => {
    const out: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
    return out;
  };

  it("never writes through a symlink of the image to the host", async () => {
    const root = mkdtempSync(path.join(work, "root-"));
    const outside = mkdtempSync(path.join(work, "outside-"));
    const source = mkdtempSync(path.join(work, "src-"));
    // Layer 1: etc -> the host folder (absolute); layer 2: etc/passwd.
    execFileSync("ln", ["-s", outside, path.join(source, "etc")]);
    await applyLayer(chunks(tarOf(source, "etc")), root, { maxBytes: 1 << 20 });
    const second = mkdtempSync(path.join(work, "src-"));
    mkdirSync(path.join(second, "etc"));
    writeFileSync(path.join(second, "etc", "passwd"), "root::0:0\n");
    await applyLayer(chunks(tarOf(second, "etc/passwd")), root, { maxBytes: 1 << 20 });
    expect(readdirSync(outside)).toEqual([]);
    // The link was followed inside the root: <root><outside>/passwd.
    expect(readFileSync(path.join(root, outside, "passwd"), "utf8")).toBe("root::0:0\n");
  });

  it("refuses entries that climb out of the root, and strips setuid bits", async () => {
    const root = mkdtempSync(path.join(work, "root-"));
    const source = mkdtempSync(path.join(work, "src-"));
    writeFileSync(path.join(source, "x"), "x");
    const tar = execFileSync("tar", ["-C", source, "--transform", "s,^x,../../x,", "-P", "-cf", "-", "x"]);
    await expect(applyLayer([tar], root, { maxBytes: 1 << 20 })).rejects.toThrow(LayerError);
    execFileSync("chmod", ["4755", path.join(source, "x")]);
    await applyLayer([tarOf(source, "x")], root, { maxBytes: 1 << 20 });
    expect(lstatSync(path.join(root, "x")).mode & 0o7777).toBe(0o755);
  });

  it("reads references with Docker's defaults", () => {
    expect(parseImageReference("postgres:16")).toMatchObject({
      registry: "docker.io",
      repository: "library/postgres",
      tag: "16",
    });
    expect(parseImageReference("localhost:5000/a/b")).toMatchObject({
      registry: "localhost:5000",
      repository: "a/b",
      tag: "latest",
    });
    expect(() => parseImageReference("Bad/Name")).toThrow(/lowercase/);
  });
});
