// A client of the OCI distribution API, enough to pull an image: GET /v2/<name>/manifests/<ref>
// and /v2/<name>/blobs/<digest>, with the anonymous bearer-token handshake public registries use
// (Docker Hub, ghcr.io). Plain HTTP only for registries named insecure and for loopback.
import { Readable } from "node:stream";
import type { ImageReference } from "./reference.js";

/** The media types of manifests and indexes a pull accepts. */
export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
] as const;

/** Thrown when a registry refuses or cannot be reached; the message names the registry and the step. */
export class RegistryError extends Error {
  override name = "RegistryError";
}

/** Options of {@link createRegistryClient}. */
export interface RegistryClientOptions {
  /** Registries (host[:port]) reached over plain HTTP. Loopback addresses always are. */
  insecure?: string[];
  /** The fetch to use; default the global one. */
  fetch?: typeof fetch;
  /** Per request, in milliseconds; default 60 s (blobs: until the first byte). */
  timeoutMs?: number;
}

/** The registry API of one image reference's registry. */
export interface RegistryClient {
  /** The manifest (or index) at a tag or digest: its bytes and media type. */
  manifest(
    reference: ImageReference,
    tagOrDigest: string,
    maxBytes: number,
  ): Promise<{ bytes: Buffer; mediaType: string }>;
  /** A blob as a stream of chunks; the caller verifies its digest and size. */
  blob(reference: ImageReference, digest: string): Promise<AsyncIterable<Buffer>>;
}

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);

/**
 * A registry client. Docker Hub's name "docker.io" is reached at registry-1.docker.io.
 * @example
 * const client = createRegistryClient({ insecure: ["registry.lan:5000"] });
 * const { bytes } = await client.manifest(parseImageReference("alpine:3.20"), "3.20", 4 << 20);
 */
export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const tokens = new Map<string, string>();

  const base = (registry: string) => {
    const host = registry === "docker.io" ? "registry-1.docker.io" : registry;
    const scheme = isLoopback(host) || (options.insecure ?? []).includes(registry) ? "http" : "https";
    return `${scheme}://${host}`;
  };

  /** Answers a 401 with a bearer challenge: an anonymous pull token for the repository. */
  const authenticate = async (challenge: string, reference: ImageReference): Promise<string> => {
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string]),
    );
    if (!/^bearer /i.test(challenge) || !params.realm) {
      throw new RegistryError(
        `registry ${reference.registry} asks for credentials (${challenge.split(" ")[0]}); OCX pulls public images only: preload the image into the provider's image layouts`,
      );
    }
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", params.scope ?? `repository:${reference.repository}:pull`);
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      throw new RegistryError(`registry ${reference.registry}: the token service answered ${response.status}`);
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`registry ${reference.registry}: the token service gave no token`);
    return token;
  };

  const get = async (reference: ImageReference, path: string, accept?: string): Promise<Response> => {
    const url = `${base(reference.registry)}/v2/${reference.repository}/${path}`;
    const key = `${reference.registry}/${reference.repository}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      const token = tokens.get(key);
      if (token) headers.authorization = `Bearer ${token}`;
      let response: Response;
      try {
        response = await fetchImpl(url, { headers, redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new RegistryError(
          `registry ${reference.registry} cannot be reached (${url}): ${(error as Error).message}`,
        );
      }
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        tokens.set(key, await authenticate(response.headers.get("www-authenticate") ?? "", reference));
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        const hint = response.status === 404 ? ": no such image or tag" : "";
        throw new RegistryError(`registry ${reference.registry} answered ${response.status} for ${url}${hint}`);
      }
      return response;
    }
    throw new RegistryError(`registry ${reference.registry} refused the pull token for ${reference.repository}`);
  };

  return {
    async manifest(reference, tagOrDigest, maxBytes) {
      const response = await get(reference, `manifests/${tagOrDigest}`, MANIFEST_MEDIA_TYPES.join(", "));
      const length = Number(response.headers.get("content-length") ?? "0");
      if (length > maxBytes) {
        await response.body?.cancel();
        throw new RegistryError(`registry ${reference.registry}: the manifest is ${length} bytes, over ${maxBytes}`);
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      if (bytes.length > maxBytes) {
        throw new RegistryError(`registry ${reference.registry}: the manifest is over ${maxBytes} bytes`);
      }
      const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
      return { bytes, mediaType };
    },
    async blob(reference, digest) {
      const response = await get(reference, `blobs/${digest}`);
      if (!response.body) throw new RegistryError(`registry ${reference.registry}: blob ${digest} has no body`);
      return Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
    },
  };
}
