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

export function parseImage(image: string): ImageReference {
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
