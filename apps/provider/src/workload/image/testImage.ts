// Test support (not shipped; used by *.test.ts and runnable as a script): builds a small OCI image
// from Debian's busybox-static package — no registry download, no container engine — and serves an
// OCI layout as a distribution registry over real HTTP.
//   node --import tsx apps/provider/src/workload/image/testImage.ts <out-folder>
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";

/** The reference the test image carries in its layout (`org.opencontainers.image.ref.name`). */
export const TEST_IMAGE_REFERENCE = "ocx/busybox:latest";

/** A file only the test image has: proof that a workload ran in its root. */
export const TEST_IMAGE_MARKER = "/etc/ocx-image-release";

/** The busybox applets the image links, as a real busybox image does. */
const APPLETS = [
  "sh",
  "echo",
  "ls",
  "cat",
  "id",
  "test",
  "true",
  "false",
  "sleep",
  "env",
  "pwd",
  "mkdir",
  "touch",
  "wc",
];

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Finds a busybox-static .deb in $OCX_DEB_CACHE, ~/.cache/ocx/debs or apt's cache. */
function cachedDeb(cache: string): string | undefined {
  for (const folder of [cache, "/var/cache/apt/archives"]) {
    if (!existsSync(folder)) continue;
    const deb = readdirSync(folder).find((name) => /^busybox-static_.*\.deb$/.test(name));
    if (deb) return path.join(folder, deb);
  }
  return undefined;
}

/**
 * Puts the files of Debian's busybox-static package into `root`: from its .deb (cached, or
 * fetched with `apt-get download` from Debian's mirror — not a container registry — into
 * ~/.cache/ocx/debs, after an `apt-get update` if the package lists are missing), or else from
 * the installed package's files (`dpkg -L busybox-static`, installed by
 * scripts/install-prerequisites.mjs).
 */
export function extractBusybox(root: string): string {
  const cache = process.env.OCX_DEB_CACHE ?? path.join(os.homedir(), ".cache", "ocx", "debs");
  let deb = cachedDeb(cache);
  const errors: string[] = [];
  if (!deb) {
    mkdirSync(cache, { recursive: true });
    const download = () =>
      execFileSync("apt-get", ["download", "busybox-static"], { cwd: cache, stdio: "pipe", timeout: 120_000 });
    try {
      download();
    } catch (first) {
      try {
        if (process.getuid?.() !== 0) throw first;
        execFileSync("apt-get", ["update", "-qq"], { stdio: "pipe", timeout: 300_000 });
        download();
      } catch (error) {
        errors.push(`apt-get download busybox-static: ${(error as Error).message.split("\n")[0]}`);
      }
    }
    deb = cachedDeb(cache);
  }
  if (deb) {
    execFileSync("dpkg-deb", ["-x", deb, root]);
    return `dpkg-deb -x ${deb}`;
  }
  try {
    const files = execFileSync("dpkg", ["-L", "busybox-static"], { encoding: "utf8" })
      .split("\n")
      .filter((file) => file.startsWith("/") && existsSync(file) && !lstatSync(file).isDirectory());
    for (const file of files) {
      mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
      copyFileSync(file, path.join(root, file));
      chmodSync(path.join(root, file), lstatSync(file).mode & 0o777);
    }
    return "the installed busybox-static package";
  } catch (error) {
    errors.push(`dpkg -L busybox-static: ${(error as Error).message.split("\n")[0]}`);
  }
  throw new Error(
    `the test image needs Debian's busybox-static package (${errors.join("; ")}): run scripts/install-prerequisites.mjs, or put the .deb in ${cache} (or $OCX_DEB_CACHE)`,
  );
}

/** Tars a folder the reproducible way: sorted, owned by root, mtime 0. */
function tarFolder(folder: string): Buffer {
  return execFileSync(
    "tar",
    ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", folder, "-cf", "-", "."],
    { maxBuffer: 256 << 20 },
  );
}

/** The built image: its layout folder, an archive of it, and its manifest digest. */
export interface TestImage {
  layout: string;
  archive: string;
  reference: string;
  manifestDigest: string;
}

/**
 * Builds a two-layer OCI image in `outDir`: layer 1 is busybox-static's files (dpkg-deb -x) with
 * applet links, layer 2 adds {@link TEST_IMAGE_MARKER} and whites out /usr/share/doc.
 * @example
 * const image = buildTestImage(mkdtempSync("/tmp/img-"));
 * await createImageStore({ dir }).importLayout(image.layout, image.reference);
 */
export function buildTestImage(outDir: string): TestImage {
  const work = path.join(outDir, "build");
  const base = path.join(work, "base");
  const top = path.join(work, "top");
  mkdirSync(base, { recursive: true });
  mkdirSync(path.join(top, "etc"), { recursive: true });
  mkdirSync(path.join(top, "usr", "share"), { recursive: true });
  extractBusybox(base);
  for (const applet of APPLETS) symlinkSync("busybox", path.join(base, "bin", applet));
  writeFileSync(path.join(top, TEST_IMAGE_MARKER), "OCX busybox test image\n");
  writeFileSync(path.join(top, "usr", "share", ".wh.doc"), "");

  const layout = path.join(outDir, "layout");
  const blobs = path.join(layout, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const putBlob = (bytes: Buffer) => {
    const hex = sha256(bytes);
    writeFileSync(path.join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const layers = [base, top].map((folder) => {
    const tar = tarFolder(folder);
    return { diffId: `sha256:${sha256(tar)}`, blob: putBlob(gzipSync(tar)) };
  });
  const config = Buffer.from(
    JSON.stringify({
      architecture: { x64: "amd64", arm64: "arm64" }[process.arch as "x64" | "arm64"] ?? process.arch,
      os: "linux",
      config: {
        Env: ["PATH=/bin", "IMAGE_GREETING=hello from the image"],
        Cmd: ["/bin/sh", "-c", "echo image command in $(pwd)"],
        WorkingDir: "/usr",
      },
      rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.diffId) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...putBlob(config) },
      layers: layers.map((layer) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer.blob })),
    }),
  );
  const manifestBlob = putBlob(manifest);
  writeFileSync(path.join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    path.join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifestBlob,
          annotations: { "org.opencontainers.image.ref.name": TEST_IMAGE_REFERENCE },
        },
      ],
    }),
  );
  const archive = path.join(outDir, "image.tar");
  writeFileSync(archive, tarFolder(layout));
  return { layout, archive, reference: TEST_IMAGE_REFERENCE, manifestDigest: manifestBlob.digest };
}

/** A registry serving one layout; `host` is "127.0.0.1:<port>". */
export interface TestRegistry {
  host: string;
  /** Requests served, as "GET /v2/…", for assertions. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves an OCI layout as a distribution registry (GET /v2/<name>/manifests/<tag|digest>,
 * /v2/<name>/blobs/<digest>) on 127.0.0.1, under any repository name. With
 * `answerAnyReference` it lies: it answers every manifest request with the layout's first image.
 * With `bearerToken` it asks for a token as Docker Hub does (401 with a Bearer challenge whose
 * realm is its own `/token`, which hands out that token for a pull scope).
 */
export async function serveLayoutAsRegistry(
  layout: string,
  options: { answerAnyReference?: boolean; bearerToken?: string } = {},
): Promise<TestRegistry> {
  const index = JSON.parse(readFileSync(path.join(layout, "index.json"), "utf8")) as {
    manifests: { digest: string; mediaType: string; annotations?: Record<string, string> }[];
  };
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const url = request.url ?? "";
    const { port } = server.address() as AddressInfo;
    if (options.bearerToken !== undefined) {
      if (url.startsWith("/token?")) {
        const query = new URL(url, "http://registry").searchParams;
        const scope = query.get("scope") ?? "";
        if (query.get("service") !== "test-registry" || !/^repository:[a-z0-9/._-]+:pull$/.test(scope)) {
          response.writeHead(400).end();
        } else
          response
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ token: options.bearerToken }));
        return;
      }
      if (request.headers.authorization !== `Bearer ${options.bearerToken}`) {
        const repository = /^\/v2\/(.+)\/(?:manifests|blobs)\//.exec(url)?.[1] ?? "";
        response
          .writeHead(401, {
            "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:${repository}:pull"`,
          })
          .end();
        return;
      }
    }
    const blobFile = (digest: string) => path.join(layout, "blobs", "sha256", digest.replace(/^sha256:/, ""));
    const manifest = /^\/v2\/.+\/manifests\/([^/]+)$/.exec(url);
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url);
    if (url === "/v2/") {
      response.writeHead(200).end("{}");
    } else if (manifest) {
      const ref = manifest[1] as string;
      const entry = options.answerAnyReference
        ? index.manifests[0]
        : index.manifests.find(
            (candidate) =>
              candidate.digest === ref ||
              candidate.annotations?.["org.opencontainers.image.ref.name"]?.endsWith(`:${ref}`),
          );
      if (!entry) response.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      else {
        const bytes = readFileSync(blobFile(entry.digest));
        response.writeHead(200, { "content-type": entry.mediaType, "content-length": bytes.length }).end(bytes);
      }
    } else if (blob && existsSync(blobFile(blob[1] as string))) {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      createReadStream(blobFile(blob[1] as string)).pipe(response);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: testImage.ts <out-folder>");
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
  const image = buildTestImage(path.resolve(out));
  console.log(JSON.stringify(image, null, 2));
}
