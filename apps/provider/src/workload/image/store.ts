// The provider's image cache: OCI images from a layout folder or archive the provider preloads,
// or pulled from a registry, unpacked into root folders the bwrap executor binds as "/". Blobs are
// content-addressed and every one is checked against its sha256 and declared size before use;
// layers are checked against the config's diff ids while they are applied. No container engine.
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { createGunzip } from "node:zlib";
import { applyLayer, LayerError } from "./layer.js";
import { fullImageName, type ImageReference, parseImageReference } from "./reference.js";
import { createRegistryClient, type RegistryClient, RegistryError } from "./registry.js";

/** What an image's config says about running it (the OCI config's `config` object). */
export interface ImageRunConfig {
  /** NAME=value pairs of the image's Env. */
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  workingDir?: string;
}

/** An image unpacked and ready to run. */
export interface UnpackedImage {
  /** The reference it was asked for by. */
  reference: string;
  /** The image manifest's digest ("sha256:…"): what the root folder is named by. */
  digest: string;
  /** Host folder of its root file system (read-only use). */
  root: string;
  config: ImageRunConfig;
  /** Bytes of file content in the root. */
  bytes: number;
}

/** Thrown when an image cannot be found, fetched, verified or unpacked; the message says which and why. */
export class ImageError extends Error {
  override name = "ImageError";
}

/** Options of {@link createImageStore}. */
export interface ImageStoreOptions {
  /** The cache folder (blobs, unpacked roots, the reference index). */
  dir: string;
  /** OCI image layouts (folders or .tar archives) to look in before any registry. */
  layouts?: string[];
  /** Pull from registries when no layout has the image; default true. */
  pull?: boolean;
  /** Registries reached over plain HTTP (loopback always is). */
  insecureRegistries?: string[];
  /** Largest blob (compressed layer, config, manifest), bytes; default 16 GiB. */
  maxBlobBytes?: number;
  /** Largest unpacked image (file content), bytes; default 32 GiB. */
  maxImageBytes?: number;
  /** The platform to pick from a multi-platform index; default linux and this machine's architecture. */
  platform?: { os: string; architecture: string };
  /** For tests: the registry client. */
  registry?: RegistryClient;
}

/** The image cache. */
export interface ImageStore {
  readonly dir: string;
  /**
   * The unpacked image for a reference: from the cache, else from the configured layouts, else
   * pulled from its registry. Concurrent calls for one reference share the work.
   */
  resolve(reference: string): Promise<UnpackedImage>;
  /** Imports an image from an OCI layout folder or .tar archive; `reference` picks one of several. */
  importLayout(source: string, reference?: string): Promise<UnpackedImage>;
  /** Pulls an image from its registry into the cache. */
  pull(reference: string): Promise<UnpackedImage>;
}

type Descriptor = {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
};
type ImageManifest = { mediaType?: string; config: Descriptor; layers: Descriptor[] };
type ImageIndex = { mediaType?: string; manifests: Descriptor[] };
type OciConfig = {
  config?: { Env?: string[]; Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string };
  rootfs?: { type?: string; diff_ids?: string[] };
};

const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const GZIP_LAYERS = [
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
];
const TAR_LAYERS = [
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
];
const DIGEST = /^sha256:([0-9a-f]{64})$/;
const MANIFEST_MAX_BYTES = 4 << 20;
const NODE_ARCH: Record<string, string> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ppc64: "ppc64le",
  s390x: "s390x",
};

function hexOf(digest: string): string {
  const match = DIGEST.exec(digest);
  if (!match) throw new ImageError(`"${digest}" is not a sha256 digest; OCX verifies sha256 blobs only`);
  return match[1] as string;
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (error) {
    throw new ImageError(`${what} is not JSON: ${(error as Error).message}`);
  }
}

/** Whether a layout annotation names the reference: as written, in full, or by its tag alone. */
function namesReference(annotation: string | undefined, reference: ImageReference): boolean {
  if (annotation === undefined) return false;
  if (annotation === reference.text) return true;
  if (annotation === reference.tag && !annotation.includes("/")) return true;
  try {
    return fullImageName(parseImageReference(annotation)) === fullImageName(reference);
  } catch {
    return false;
  }
}

/**
 * The image cache in `options.dir`.
 * @example
 * const images = createImageStore({ dir: "/var/lib/ocx/images", layouts: ["/srv/ocx/images.tar"] });
 * const image = await images.resolve("ocx/busybox:latest");
 * image.root; // "/var/lib/ocx/images/roots/5e3c…" — bind it as "/"
 */
export function createImageStore(options: ImageStoreOptions): ImageStore {
  const dir = path.resolve(options.dir);
  const maxBlobBytes = options.maxBlobBytes ?? 16 * 2 ** 30;
  const maxImageBytes = options.maxImageBytes ?? 32 * 2 ** 30;
  const platform = options.platform ?? { os: "linux", architecture: NODE_ARCH[process.arch] ?? process.arch };
  const registry = options.registry ?? createRegistryClient({ insecure: options.insecureRegistries ?? [] });
  const blobsDir = path.join(dir, "blobs", "sha256");
  const rootsDir = path.join(dir, "roots");
  const tmpDir = path.join(dir, "tmp");
  const refsFile = path.join(dir, "refs.json");
  for (const folder of [blobsDir, rootsDir, tmpDir]) mkdirSync(folder, { recursive: true });
  // The sandbox user passes through to the roots; nothing else of the cache is readable to it.
  chmodSync(dir, 0o711);
  chmodSync(rootsDir, 0o711);
  const inFlight = new Map<string, Promise<UnpackedImage>>();

  const readRefs = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(refsFile, "utf8")) as Record<string, string>;
    } catch {
      return {};
    }
  };
  const remember = (reference: ImageReference, digest: string) => {
    const refs = readRefs();
    refs[fullImageName(reference)] = digest;
    const temporary = `${refsFile}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(temporary, JSON.stringify(refs, null, 2));
    renameSync(temporary, refsFile);
  };

  const blobPath = (digest: string) => path.join(blobsDir, hexOf(digest));

  /** Stores a blob from a stream, verifying its size and digest; a stored blob is not fetched again. */
  const putBlob = async (descriptor: Descriptor, source: () => Promise<AsyncIterable<Buffer>>): Promise<string> => {
    const target = blobPath(descriptor.digest);
    if (existsSync(target)) return target;
    if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0 || descriptor.size > maxBlobBytes) {
      throw new ImageError(
        `blob ${descriptor.digest} declares ${descriptor.size} bytes; the limit is ${maxBlobBytes} (maxBlobBytes)`,
      );
    }
    const temporary = path.join(tmpDir, `blob-${randomBytes(6).toString("hex")}`);
    const hash = createHash("sha256");
    let size = 0;
    const file = await open(temporary, "wx", 0o600);
    try {
      for await (const chunk of await source()) {
        size += chunk.length;
        if (size > descriptor.size) {
          throw new ImageError(
            `blob ${descriptor.digest} is longer than the ${descriptor.size} bytes its descriptor says`,
          );
        }
        hash.update(chunk);
        await file.write(chunk);
      }
    } catch (error) {
      await file.close();
      rmSync(temporary, { force: true });
      throw error;
    }
    await file.close();
    const actual = `sha256:${hash.digest("hex")}`;
    if (size !== descriptor.size || actual !== descriptor.digest) {
      rmSync(temporary, { force: true });
      throw new ImageError(
        `blob ${descriptor.digest} failed verification: got ${size} bytes with digest ${actual} (expected ${descriptor.size} bytes): the source is corrupt or was tampered with`,
      );
    }
    renameSync(temporary, target);
    return target;
  };

  const putBytes = (descriptor: Descriptor, bytes: Buffer) =>
    putBlob(descriptor, async () => [bytes] as unknown as AsyncIterable<Buffer>);

  /** Chooses this platform's manifest from an index. */
  const pickPlatform = (index: ImageIndex, where: string): Descriptor => {
    const manifests = Array.isArray(index.manifests) ? index.manifests : [];
    const match = manifests.find(
      (entry) => entry.platform?.os === platform.os && entry.platform?.architecture === platform.architecture,
    );
    if (!match) {
      const offered = manifests.map((entry) => `${entry.platform?.os}/${entry.platform?.architecture}`).join(", ");
      throw new ImageError(
        `${where} has no ${platform.os}/${platform.architecture} image (it has ${offered || "none"})`,
      );
    }
    return match;
  };

  /** Unpacks a stored image manifest's layers into roots/<hex>, once. */
  const unpack = async (reference: ImageReference, manifestDigest: string): Promise<UnpackedImage> => {
    const hex = hexOf(manifestDigest);
    const root = path.join(rootsDir, hex);
    const metaFile = path.join(rootsDir, `${hex}.json`);
    if (existsSync(metaFile) && existsSync(root)) {
      const meta = JSON.parse(readFileSync(metaFile, "utf8")) as { config: ImageRunConfig; bytes: number };
      return { reference: reference.text, digest: manifestDigest, root, config: meta.config, bytes: meta.bytes };
    }
    const manifest = parseJson<ImageManifest>(readFileSync(blobPath(manifestDigest)), `manifest ${manifestDigest}`);
    if (!manifest.config || !Array.isArray(manifest.layers)) {
      throw new ImageError(`manifest ${manifestDigest} is not an image manifest (no config or layers)`);
    }
    const config = parseJson<OciConfig>(readFileSync(blobPath(manifest.config.digest)), "the image config");
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) {
      throw new ImageError(
        `image ${reference.text}: its config lists ${diffIds.length} diff ids for ${manifest.layers.length} layers`,
      );
    }
    const building = mkdtempSync(path.join(tmpDir, `root-${hex.slice(0, 12)}-`));
    chmodSync(building, 0o755);
    let bytes = 0;
    try {
      for (const [index, layer] of manifest.layers.entries()) {
        const mediaType = layer.mediaType ?? "";
        const gzip = GZIP_LAYERS.includes(mediaType);
        if (!gzip && !TAR_LAYERS.includes(mediaType)) {
          throw new ImageError(
            `image ${reference.text}: layer ${index} has media type "${mediaType}", which OCX cannot unpack (gzip or plain tar layers only; zstd is not supported)`,
          );
        }
        const input = createReadStream(blobPath(layer.digest));
        const stream = gzip ? input.pipe(createGunzip()) : input;
        const report = await applyLayer(stream, building, { maxBytes: maxImageBytes - bytes });
        bytes += report.bytes;
        if (report.diffId !== diffIds[index]) {
          throw new ImageError(
            `image ${reference.text}: layer ${index} unpacks to ${report.diffId}, but the config says ${diffIds[index]}: the image is corrupt`,
          );
        }
      }
      chmodSync(building, 0o755);
      // Another unpack of the same image (a second node on this host) may have finished first;
      // its root may be in use, so it is kept and this copy dropped.
      if (existsSync(root)) rmSync(building, { recursive: true, force: true });
      else renameSync(building, root);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      if (error instanceof LayerError) throw new ImageError(`image ${reference.text}: ${error.message}`);
      throw error;
    }
    const run: ImageRunConfig = {
      env: Object.fromEntries(
        (config.config?.Env ?? []).map((entry) => {
          const equals = entry.indexOf("=");
          return equals === -1 ? [entry, ""] : [entry.slice(0, equals), entry.slice(equals + 1)];
        }),
      ),
      entrypoint: config.config?.Entrypoint ?? [],
      cmd: config.config?.Cmd ?? [],
      ...(config.config?.WorkingDir ? { workingDir: config.config.WorkingDir } : {}),
    };
    const metaTemporary = `${metaFile}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(metaTemporary, JSON.stringify({ reference: fullImageName(reference), config: run, bytes }, null, 2));
    renameSync(metaTemporary, metaFile);
    return { reference: reference.text, digest: manifestDigest, root, config: run, bytes };
  };

  /** Copies the blobs of an image (manifest, config, layers) from a source into the cache. */
  const fetchImage = async (
    reference: ImageReference,
    manifestDescriptor: Descriptor,
    read: (descriptor: Descriptor) => Promise<AsyncIterable<Buffer>>,
  ): Promise<string> => {
    await putBlob(manifestDescriptor, () => read(manifestDescriptor));
    const manifest = parseJson<ImageManifest>(
      readFileSync(blobPath(manifestDescriptor.digest)),
      `manifest of ${reference.text}`,
    );
    if (!manifest.config || !Array.isArray(manifest.layers)) {
      throw new ImageError(`manifest of ${reference.text} has no config or layers`);
    }
    let total = 0;
    for (const descriptor of [manifest.config, ...manifest.layers]) {
      total += descriptor.size;
      if (total > maxImageBytes) throw new ImageError(`image ${reference.text} is over ${maxImageBytes} bytes`);
      await putBlob(descriptor, () => read(descriptor));
    }
    return manifestDescriptor.digest;
  };

  const importLayoutDir = async (layout: string, reference: ImageReference | undefined): Promise<UnpackedImage> => {
    const indexFile = path.join(layout, "index.json");
    if (!existsSync(path.join(layout, "oci-layout")) || !existsSync(indexFile)) {
      throw new ImageError(`${layout} is not an OCI image layout (no oci-layout and index.json)`);
    }
    const readLocal = async (descriptor: Descriptor) =>
      createReadStream(path.join(layout, "blobs", "sha256", hexOf(descriptor.digest))) as AsyncIterable<Buffer>;
    const index = parseJson<ImageIndex>(readFileSync(indexFile), `${indexFile}`);
    const manifests = Array.isArray(index.manifests) ? index.manifests : [];
    const named = (entry: Descriptor) =>
      reference === undefined ||
      namesReference(entry.annotations?.["org.opencontainers.image.ref.name"], reference) ||
      namesReference(entry.annotations?.["io.containerd.image.name"], reference) ||
      (reference.digest !== undefined && entry.digest === reference.digest);
    const candidates = manifests.filter(named);
    if (candidates.length === 0 || (reference === undefined && candidates.length > 1)) {
      const names = manifests.map((entry) => entry.annotations?.["org.opencontainers.image.ref.name"] ?? entry.digest);
      throw new ImageError(
        `${layout} has ${reference ? `no image named ${reference.text}` : "several images; name one"} (it has ${names.join(", ") || "none"})`,
      );
    }
    let descriptor = candidates[0] as Descriptor;
    if (INDEX_TYPES.includes(descriptor.mediaType ?? "")) {
      await putBlob(descriptor, () => readLocal(descriptor));
      const nested = parseJson<ImageIndex>(readFileSync(blobPath(descriptor.digest)), "an image index");
      descriptor = pickPlatform(nested, `${layout}`);
    }
    const name =
      reference ?? parseImageReference(descriptor.annotations?.["org.opencontainers.image.ref.name"] ?? "local/image");
    const digest = await fetchImage(name, descriptor, readLocal);
    remember(name, digest);
    return unpack(name, digest);
  };

  const importLayout = async (source: string, reference?: string): Promise<UnpackedImage> => {
    const parsed = reference === undefined ? undefined : parseImageReference(reference);
    if (!statSync(source).isFile()) return importLayoutDir(source, parsed);
    // An archive of a layout (docker save / skopeo oci-archive): unpacked through the same checks.
    const unpacked = mkdtempSync(path.join(tmpDir, "layout-"));
    try {
      await applyLayer(createReadStream(source), unpacked, { maxBytes: maxImageBytes });
      return await importLayoutDir(unpacked, parsed);
    } finally {
      rmSync(unpacked, { recursive: true, force: true });
    }
  };

  const pull = async (text: string): Promise<UnpackedImage> => {
    try {
      return await pullFromRegistry(text);
    } catch (error) {
      if (error instanceof RegistryError) throw new ImageError(`image ${text}: ${error.message}`);
      throw error;
    }
  };

  const pullFromRegistry = async (text: string): Promise<UnpackedImage> => {
    const reference = parseImageReference(text);
    const ref = reference.digest ?? reference.tag ?? "latest";
    const first = await registry.manifest(reference, ref, MANIFEST_MAX_BYTES);
    let descriptor: Descriptor = {
      mediaType: first.mediaType,
      digest: `sha256:${createHash("sha256").update(first.bytes).digest("hex")}`,
      size: first.bytes.length,
    };
    if (reference.digest !== undefined && descriptor.digest !== reference.digest) {
      throw new ImageError(
        `registry ${reference.registry} answered ${text} with content of digest ${descriptor.digest}: it was tampered with`,
      );
    }
    let bytes = first.bytes;
    const document = parseJson<ImageIndex & ImageManifest>(bytes, `the manifest of ${text}`);
    if (INDEX_TYPES.includes(first.mediaType) || INDEX_TYPES.includes(document.mediaType ?? "")) {
      await putBytes(descriptor, bytes);
      const chosen = pickPlatform(document, `image ${text}`);
      const second = await registry.manifest(reference, chosen.digest, MANIFEST_MAX_BYTES);
      bytes = second.bytes;
      descriptor = { ...chosen, mediaType: second.mediaType };
    }
    await putBytes(descriptor, bytes);
    const digest = await fetchImage(reference, descriptor, (blob) => registry.blob(reference, blob.digest));
    remember(reference, digest);
    return unpack(reference, digest);
  };

  const resolveUncached = async (text: string): Promise<UnpackedImage> => {
    const reference = parseImageReference(text);
    const known = readRefs()[fullImageName(reference)] ?? reference.digest;
    if (known !== undefined && existsSync(blobPath(known))) return unpack(reference, known);
    const misses: string[] = [];
    for (const layout of options.layouts ?? []) {
      try {
        return await importLayout(layout, text);
      } catch (error) {
        if (!(error instanceof ImageError)) throw error;
        misses.push(error.message);
      }
    }
    if (options.pull === false) {
      throw new ImageError(
        `image ${text} is in none of the provider's image layouts and pulling is off${misses.length ? ` (${misses.join("; ")})` : ""}`,
      );
    }
    return pull(text);
  };

  return {
    dir,
    importLayout,
    pull,
    resolve(text) {
      const running = inFlight.get(text);
      if (running) return running;
      const work = resolveUncached(text).finally(() => inFlight.delete(text));
      inFlight.set(text, work);
      return work;
    },
  };
}
