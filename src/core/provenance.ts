/** A step in a path to a field: a mapping key or a list index. */
export type PathSegment = string | number;

/**
 * A path as people read it: `spec.containers[0].securityContext`, with a key that is not a plain
 * identifier quoted (`metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]`).
 */
export function pathText(path: readonly PathSegment[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    if (!/^[A-Za-z_$][\w$-]*$/.test(segment)) return `${text}[${JSON.stringify(segment)}]`;
    return text ? `${text}.${segment}` : segment;
  }, '');
}

/**
 * How many leading segments two paths share: where they part (equal paths share all of theirs). `aLength`
 * reads `a` as its first so many segments (a walk that keeps its arrays and writes over them).
 */
export function sharedLength(a: readonly PathSegment[], b: readonly PathSegment[], aLength = a.length): number {
  const most = Math.min(aLength, b.length);
  let length = 0;
  while (length < most && a[length] === b[length]) length++;
  return length;
}

/** Whether two field paths name the same field (two checks of one setting report the same path). */
export function samePath(a: readonly PathSegment[], b: readonly PathSegment[]): boolean {
  return a.length === b.length && sharedLength(a, b) === a.length;
}

/**
 * The longest prefix of `path` that exists in `root`: where a finding about a missing field
 * (`securityContext.runAsNonRoot` not set) can point.
 */
export function existingPrefix(root: unknown, path: readonly PathSegment[]): PathSegment[] {
  const found: PathSegment[] = [];
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, segment)) break;
    node = (node as Record<string | number, unknown>)[segment];
    found.push(segment);
  }
  return found;
}

/** Where an object came from, so every finding can point back to it. */
export interface Provenance {
  origin: 'file' | 'stdin' | 'chart' | 'kustomize' | 'cluster';
  /** The file as the user named it (relative to the working directory), `-` for stdin; for charts the template file. */
  file?: string;
  /** 1-based line where the object starts in `file`. */
  line?: number;
  /** Charts: the template path from helm's `# Source:` comment, e.g. `mychart/charts/sub/templates/rbac.yaml`. */
  template?: string;
  /** Charts and kustomizations: what was rendered, as the user named it. */
  source?: string;
  /** Helm hooks: the values of the `helm.sh/hook` annotation (`pre-install`, `test`, …). */
  hooks?: string[];
  /**
   * The object's namespace is the one it is installed into rather than one its source names: the
   * loader filled it in, or a chart rendered it from `.Release.Namespace` (`-n`, else `default`).
   */
  namespaceFromInstall?: boolean;
  /** Cluster dumps: the kube context or dump file. */
  cluster?: string;
  /**
   * The line of a field inside the object, when the source text is known. Computed lazily:
   * only findings pay for positions.
   */
  locate?: (path: readonly PathSegment[]) => number | undefined;
}

/** The location a finding reports: the field's line when known, else the object's. */
export function locationOf(provenance: Provenance | undefined, path?: readonly PathSegment[]): { file: string; line?: number } | undefined {
  if (!provenance?.file) return undefined;
  const line = provenance.locate?.(path ?? []) ?? provenance.line;
  return line === undefined ? { file: provenance.file } : { file: provenance.file, line };
}
