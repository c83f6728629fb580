/**
 * Helm charts as supply-chain facts: what a chart is called, where it (and each of its dependencies)
 * comes from. The loaders read them from Chart.yaml and Chart.lock; the supply-chain checks judge
 * them against `allowedRepositories` and the list of well-known charts.
 */

/** A dependency of a chart, from `dependencies` in Chart.yaml (or Chart.lock). */
export interface ChartDependency {
  name: string;
  version?: string;
  alias?: string;
  /** As written: `https://…`, `oci://…`, `@stable`, `alias:stable`, `file://…`, or absent (vendored in charts/). */
  repository?: string;
  /** The repository's URL (helm repository names resolved); undefined for a local or unresolvable one. */
  url?: string;
  /** Its entry in Chart.yaml, for findings: `['dependencies', 2]` (`repository` below it when written). */
  path: (string | number)[];
  /** Where it was read: Chart.yaml, Chart.lock, or an apiVersion v1 chart's requirements.yaml. */
  from: 'Chart.yaml' | 'Chart.lock' | 'requirements.yaml';
  line?: number;
}

/** A chart that was scanned, and where it came from. */
export interface ChartSource {
  /** The source as the user named it (a folder, a `.tgz`, `repo/chart`, `oci://…`). */
  source: string;
  /** `name` in Chart.yaml. */
  name: string;
  version?: string;
  /** The repository the chart was fetched from (`--repo`, `oci://…`, a helm repository name's URL); undefined for a local chart. */
  repository?: string;
  /** The file findings point at: Chart.yaml on disk, the `.tgz`, or undefined for a remote chart. */
  file?: string;
  /** 1-based line of `name:` in Chart.yaml, when read from disk. */
  nameLine?: number;
  dependencies: ChartDependency[];
}

/** `file://` or no repository at all: the dependency travels inside the chart. */
export function isLocalRepository(repository: string | undefined): boolean {
  return !repository || repository.startsWith('file://');
}

/** A helm repository name instead of a URL: `@stable` or `alias:stable` (Helm resolves it from the user's repositories). */
export function repositoryAlias(repository: string): string | undefined {
  if (repository.startsWith('@')) return repository.slice(1);
  if (repository.startsWith('alias:')) return repository.slice('alias:'.length);
  return undefined;
}

/**
 * A repository URL in one spelling: scheme and host lower case, no trailing `/` or `/index.yaml`, so
 * `HTTPS://Charts.Example.com/stable/` and `https://charts.example.com/stable/index.yaml` compare equal.
 */
export function normalizeRepository(url: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/]*)(.*)$/.exec(url.trim());
  if (!match) return url.trim();
  const [, scheme, host, rest] = match;
  const path = rest.replace(/\/index\.yaml$/i, '').replace(/\/+$/, '');
  return `${scheme.toLowerCase()}://${host.toLowerCase()}${path}`;
}

/** The repository of an `oci://host/path/chart[:tag]` chart reference: `oci://host/path`. */
export function ociRepositoryOf(reference: string): string {
  const withoutTag = reference.replace(/(\/[^/:@]+)[:@][^/]*$/, '$1');
  return withoutTag.slice(0, withoutTag.lastIndexOf('/'));
}

/** Is `repository` the allowed one, or under it (`https://charts.example.com` allows `…/stable`)? */
export function repositoryUnder(repository: string, allowed: string): boolean {
  const candidate = normalizeRepository(repository);
  const prefix = normalizeRepository(allowed);
  return candidate === prefix || candidate.startsWith(`${prefix}/`);
}
