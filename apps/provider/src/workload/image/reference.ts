// Container image references ("postgres:16", "ghcr.io/org/app@sha256:…") split into registry,
// repository, tag and digest, with Docker's defaults (docker.io, library/, latest).

/** An image reference, normalized. */
export interface ImageReference {
  /** The reference as written in the manifest. */
  text: string;
  /** Registry host[:port]; "docker.io" when none is named. */
  registry: string;
  /** Repository path; Docker Hub's official images get "library/". */
  repository: string;
  /** Tag; "latest" when neither a tag nor a digest is named. */
  tag?: string;
  /** "sha256:<64 hex>" when the reference pins one. */
  digest?: string;
}

/** Thrown for a reference that cannot name an image. */
export class ImageReferenceError extends Error {
  override name = "ImageReferenceError";
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * Splits an image reference into its parts, with Docker's defaults.
 * @example
 * parseImageReference("postgres:16"); // { registry: "docker.io", repository: "library/postgres", tag: "16", … }
 * parseImageReference("127.0.0.1:5000/ocx/busybox@sha256:ab…").registry; // "127.0.0.1:5000"
 */
export function parseImageReference(text: string): ImageReference {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new ImageReferenceError(`image "${text}": the digest must be sha256:<64 lowercase hex>`);
    }
  }
  const parts = rest.split("/");
  let registry = "docker.io";
  const first = parts[0] ?? "";
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    registry = first;
    parts.shift();
  }
  let last = parts.pop() ?? "";
  let tag: string | undefined;
  const colon = last.indexOf(":");
  if (colon !== -1) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new ImageReferenceError(`image "${text}": bad tag`);
  }
  parts.push(last);
  if (parts.some((part) => !COMPONENT.test(part))) {
    throw new ImageReferenceError(
      `image "${text}": the repository path must be lowercase components like "org/app" (letters, digits, ".", "_", "-")`,
    );
  }
  if (registry === "docker.io" && parts.length === 1) parts.unshift("library");
  if (tag === undefined && digest === undefined) tag = "latest";
  return {
    text,
    registry,
    repository: parts.join("/"),
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/**
 * The reference written in full (`docker.io/library/postgres:16`), the key the image cache
 * remembers it by.
 */
export function fullImageName(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}${reference.tag !== undefined ? `:${reference.tag}` : ""}${reference.digest !== undefined ? `@${reference.digest}` : ""}`;
}
