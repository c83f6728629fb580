/**
 * Container image references, read the way the container runtime reads them (the distribution
 * reference grammar): `nginx` is `docker.io/library/nginx:latest`, `localhost:5000/tools/debug:2.1`
 * is on registry `localhost:5000`, and a digest pins the content whatever the tag says.
 */
export interface ImageReference {
  /** As written in the manifest. */
  image: string;
  /** Registry host (with port), lower case; Docker Hub is `docker.io` whatever alias was written. */
  registry: string;
  /** Path on the registry: `library/nginx`, `acme/agent`. */
  repository: string;
  tag?: string;
  /** `sha256:…` when the reference is pinned by digest. */
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/**
 * Every reference read, by its text: a scan asks about each container's image from several rules
 * (tags, digests, pull policy, exfiltration tells), and charts repeat the same images. Each is
 * frozen: every caller gets the same object, so none may change it. Bounded, so a long-running server
 * does not keep every image it ever saw.
 */
const parsedImages = new Map<string, Readonly<ImageReference>>();
const PARSED_IMAGES_MAX = 10_000;

export function parseImage(image: string): Readonly<ImageReference> {
  let reference = parsedImages.get(image);
  if (!reference) {
    if (parsedImages.size >= PARSED_IMAGES_MAX) parsedImages.clear();
    reference = Object.freeze(readImage(image));
    parsedImages.set(image, reference);
  }
  return reference;
}

function readImage(image: string): ImageReference {
  const text = image.trim();
  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  let name = at >= 0 ? text.slice(0, at) : text;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  const first = name.indexOf('/');
  const head = first >= 0 ? name.slice(0, first) : '';
  // The first component is a registry when it looks like a host: a dot, a port, or localhost.
  const hasRegistry = first >= 0 && (head.includes('.') || head.includes(':') || head === 'localhost');
  let registry = hasRegistry ? head.toLowerCase() : DOCKER_HUB;
  let repository = hasRegistry ? name.slice(first + 1) : name;
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = DOCKER_HUB;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  const reference: ImageReference = { image, registry, repository };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/** `registry/repository`, without tag or digest: `docker.io/library/nginx`. */
export function imageName(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`;
}

/** No digest and the tag `latest` or none: what runs changes whenever someone pushes. */
export function isMovingTag(reference: ImageReference): boolean {
  return !reference.digest && (reference.tag === undefined || reference.tag === 'latest');
}

/**
 * An `allowedRegistries` entry: a registry host (`registry.k8s.io`, `localhost:5000`), optionally
 * with a path prefix (`ghcr.io/acme`, `docker.io/bitnami`); `*` in the host matches any run of
 * characters within it (`*.dkr.ecr.eu-west-1.amazonaws.com`).
 */
export interface RegistryPattern {
  text: string;
  host: RegExp;
  /** Repository prefix, matched on whole path segments; empty for the whole registry. */
  path: string;
}

const HOST_PATTERN = /^(?:[a-z0-9*](?:[a-z0-9*-]*[a-z0-9*])?)(?:\.[a-z0-9*](?:[a-z0-9*-]*[a-z0-9*])?)*(?::[0-9]{1,5})?$/;
const PATH_SEGMENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Parses an `allowedRegistries` entry; a string is the reason it is not one. */
export function parseRegistryPattern(text: string): RegistryPattern | string {
  const entry = text.trim();
  if (!entry) return 'is empty';
  if (entry.includes('://')) return `"${entry}" has a scheme: name the registry host alone (${entry.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')})`;
  if (/\s/.test(entry)) return `"${entry}" contains spaces`;
  if (entry.includes('@')) return `"${entry}" has a digest: name a registry, not an image`;
  const slash = entry.indexOf('/');
  const host = (slash < 0 ? entry : entry.slice(0, slash)).toLowerCase();
  const path = slash < 0 ? '' : entry.slice(slash + 1).replace(/\/+$/, '');
  if (host === '*' || !HOST_PATTERN.test(host)) return `"${entry}" does not start with a registry host`;
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') {
    return `"${entry}" does not start with a registry host (Docker Hub images are docker.io/${entry})`;
  }
  if (path && !path.split('/').every((segment) => PATH_SEGMENT.test(segment))) {
    return path.includes(':') ? `"${entry}" has a tag: name a registry, not an image` : `"${entry}" has an invalid repository path`;
  }
  const canonical = DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
  const expression = canonical
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return { text: entry, host: new RegExp(`^${expression}$`), path };
}

/** Does the pattern allow the image: its registry, and its repository under the pattern's path? */
export function registryAllows(pattern: RegistryPattern, reference: ImageReference): boolean {
  if (!pattern.host.test(reference.registry)) return false;
  return !pattern.path || reference.repository === pattern.path || reference.repository.startsWith(`${pattern.path}/`);
}

/** The path before the image's own name, `library` for `docker.io/library/nginx`, `acme/tools` for `ghcr.io/acme/tools/agent`; `` when there is none. */
export function imageOwner(reference: ImageReference): string {
  const slash = reference.repository.lastIndexOf('/');
  return slash < 0 ? '' : reference.repository.slice(0, slash);
}
