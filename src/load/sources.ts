import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { ociRepositoryOf, type ChartSource } from '../core/chart.js';
import { InputError } from '../core/errors.js';
import { DEFAULT_MAX_RENDER_OBJECTS } from '../core/limits.js';
import { compareStrings } from '../core/order.js';
import { displayPath } from './paths.js';
import { Inventory } from '../core/inventory.js';
import { describeRef, refOf } from '../core/object.js';
import { locationOf, pathText } from '../core/provenance.js';
import { mistypedPodFields } from '../core/workload.js';
import { builtinScope, scopeResolver } from '../core/scope.js';
import { readChartSource, repositoryOfName } from './charts.js';
import { parseHelmOutput, parseRender, pullChart, renderChart, type HelmOptions } from './helm.js';
import { onInterrupt } from './interrupt.js';
import { DEFAULT_MAX_FILE_BYTES, readInput } from './input.js';
import { KUSTOMIZATION_FILES, renderKustomization } from './kustomize.js';
import { probeChart, type ChartProbe } from './render-variants.js';
import { parseJson, parseYamlStream, type LoadedObject, type ParseResult } from './yaml.js';

/** What a source is, decided from what is on disk (or not): see detectSource. */
export type SourceKind = 'manifests' | 'directory' | 'chart' | 'chart-archive' | 'remote-chart' | 'kustomize' | 'stdin';

export interface LoadOptions extends HelmOptions {
  /** Largest file (or stdin) read, in bytes (--max-file-size). */
  maxFileBytes?: number;
  /** Render local charts twice more (another namespace, another Kubernetes version) and find `lookup`: see render-variants.ts. */
  probeCharts?: boolean;
  /** How long a read may wait for input (--read-timeout), in ms. */
  readTimeoutMs?: number;
}

export interface LoadResult {
  inventory: Inventory;
  warnings: string[];
  /** The sources as detected, for reports. */
  sources: { path: string; kind: SourceKind }[];
  /** The charts rendered, with where they and their dependencies come from (supply-chain checks). */
  charts?: ChartSource[];
  /** With `probeCharts`: the extra renders of each local chart. */
  probes?: ChartProbe[];
}

/** What one source yields: objects, warnings, and the charts it rendered. */
type SourceResult = ParseResult & { charts?: ChartSource[] };

export { DEFAULT_MAX_FILE_BYTES };
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** What only a path reads like: a manifest or archive extension, or a start that names a folder (`./`, `../`, `/`, `~`). */
const FILE_NAME = /\.(ya?ml|json|tgz|tar\.gz)$|^(\.{1,2}\/|\/|~)/i;
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.terraform']);

/**
 * A directory with Chart.yaml is a chart; one with a kustomization file is a kustomization;
 * a `.tgz` is a chart archive; `-` is stdin; anything else on disk is manifests. A path that does
 * not exist but reads like `repo/chart` or `oci://…` (or any name, with `--repo`) is a remote chart.
 */
export function detectSource(path: string, options: Pick<HelmOptions, 'repo'> = {}): SourceKind {
  if (path === '-') return 'stdin';
  if (!existsSync(path)) {
    if (isSymbolicLink(path)) throw new InputError(`${path}: a symbolic link to nothing (its target does not exist, or the links loop)`);
    // a chart name never ends like a file: fx/missing.yaml is a typo, not the chart missing.yaml of the repository fx
    if (!FILE_NAME.test(path) && (options.repo || path.startsWith('oci://') || /^[\w.-]+\/[\w.-]+$/.test(path))) return 'remote-chart';
    throw new InputError(`${path}: no such file or directory`);
  }
  const stat = statSync(path);
  if (stat.isDirectory()) {
    if (existsSync(join(path, 'Chart.yaml'))) return 'chart';
    if (KUSTOMIZATION_FILES.some((name) => existsSync(join(path, name)))) return 'kustomize';
    return 'directory';
  }
  if (/\.(tgz|tar\.gz)$/.test(path)) return 'chart-archive';
  return 'manifests';
}

/** Loads every source into one inventory. Namespaced objects without a namespace land in `options.namespace` (else `default`), as on install. */
export async function loadSources(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const loaded: LoadedObject[] = [];
  const warnings: string[] = [];
  const sources: LoadResult['sources'] = [];
  const charts: ChartSource[] = [];
  const probes: Promise<ChartProbe>[] = [];
  for (const path of paths) {
    const kind = detectSource(path, options);
    sources.push({ path, kind });
    // The extra renders run while the user's render does: they must not add to the time of a scan.
    if (options.probeCharts && (kind === 'chart' || kind === 'chart-archive')) {
      const probe = probeChart(path, options, kind);
      // Its error (a template that cannot be read) is thrown below, once the user's render has had its say.
      probe.catch(() => undefined);
      probes.push(probe);
    }
    const result = await loadSource(path, kind, options);
    // Loops, not push(...): a cluster dump holds more objects than a call takes arguments.
    for (const object of result.objects) loaded.push(object);
    for (const warning of result.warnings) warnings.push(warning);
    // an empty file, a folder of .yml.j2 templates, a chart whose every template is switched off: nothing was judged, and a clean result must not hide it
    if (result.objects.length === 0 && result.warnings.length === 0) warnings.push(`${path === '-' ? 'stdin' : path}: no Kubernetes objects in it${kind === 'directory' ? ` (files read: ${[...MANIFEST_EXTENSIONS].join(', ')})` : ''}`);
    for (const chart of result.charts ?? []) charts.push(chart);
  }
  applyDefaultNamespace(loaded, options.namespace ?? 'default');
  warnMistypedFields(loaded, warnings);
  const result: LoadResult = { inventory: new Inventory(loaded), warnings, sources, charts };
  if (options.probeCharts) {
    result.probes = await Promise.all(probes);
    for (const probe of result.probes) for (const variant of probe.variants) applyDefaultNamespace(variant.objects, variant.namespace);
  }
  return result;
}

async function loadSource(path: string, kind: SourceKind, options: LoadOptions): Promise<SourceResult> {
  switch (kind) {
    case 'stdin':
      return parseText(await readInput('-', 'stdin', readLimits(options)), '-', 'stdin');
    case 'manifests':
      return parseFile(path, options);
    case 'directory':
      return loadDirectory(path, options);
    case 'chart':
    case 'chart-archive': {
      const rendered: SourceResult = await renderChart(path, options);
      const chart = await readChartSource(path, { source: path, archive: kind === 'chart-archive' });
      if (chart) rendered.charts = [chart];
      return rendered;
    }
    case 'remote-chart':
      return loadRemoteChart(path, options);
    case 'kustomize':
      return renderKustomization(path, options);
  }
}

/** A chart from a repository: pulled into a temporary folder, read and rendered from there, then removed. */
async function loadRemoteChart(reference: string, options: LoadOptions): Promise<SourceResult> {
  // in place before the folder is made: with no handler, a signal ends the process at once
  let directory = '';
  const forget = onInterrupt(() => directory && rmSync(directory, { recursive: true, force: true }));
  try {
    directory = mkdtempSync(join(tmpdir(), 'kubeward-chart-'));
    const archive = await pullChart(reference, directory, options);
    const rendered: SourceResult = await renderChart(archive, { ...options, repo: undefined, version: undefined }, reference);
    const chart = await readChartSource(archive, { source: reference, archive: true, remote: true, repository: await remoteRepositoryOf(reference, options) });
    if (chart) rendered.charts = [chart];
    return rendered;
  } finally {
    forget();
    if (directory) rmSync(directory, { recursive: true, force: true });
  }
}

/** Where a remote chart comes from: `--repo`, the registry path of `oci://…`, or the URL of `repo/` in the user's helm repositories. */
async function remoteRepositoryOf(reference: string, options: LoadOptions): Promise<string | undefined> {
  if (options.repo) return options.repo;
  if (reference.startsWith('oci://')) return ociRepositoryOf(reference);
  const slash = reference.indexOf('/');
  return slash > 0 ? repositoryOfName(reference.slice(0, slash)) : undefined;
}

async function parseFile(path: string, options: LoadOptions): Promise<ParseResult> {
  const text = await readInput(path, 'manifest', readLimits(options));
  return parseText(text, displayPath(path), 'file', extname(path).toLowerCase() === '.json');
}

/** The byte and wait limits of every input read whole (see input.ts). */
export function readLimits(options: Pick<LoadOptions, 'maxFileBytes' | 'readTimeoutMs'>): { maxBytes?: number; timeoutMs?: number } {
  return { maxBytes: options.maxFileBytes, timeoutMs: options.readTimeoutMs };
}

function parseText(text: string, file: string, origin: 'file' | 'stdin', json = false): ParseResult {
  const stripped = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json || (origin === 'stdin' && /^\s*[{[]/.test(stripped))) {
    try {
      return parseJson(stripped, { file, origin });
    } catch (error) {
      if (json) throw error;
      // Not JSON after all (a flow mapping in YAML): fall through to the YAML parser.
    }
  }
  return parseYamlStream(stripped, { file, origin });
}

/** Walks a directory in sorted order; a sub-directory that is a chart or a kustomization is rendered, not read as files. */
async function loadDirectory(root: string, options: LoadOptions): Promise<SourceResult> {
  const result: SourceResult = { objects: [], warnings: [], charts: [] };
  const visit = async (directory: string) => {
    const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name));
    for (const entry of entries) {
      const path = join(directory, entry.name);
      let part: SourceResult | undefined;
      if (entry.isDirectory()) {
        if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
        const kind = detectSource(path);
        if (kind === 'directory') await visit(path);
        else part = await loadSource(path, kind, options);
      } else if (entry.isFile() && MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
        part = await parseFile(path, options);
      }
      if (part) {
        for (const object of part.objects) result.objects.push(object);
        for (const warning of part.warnings) result.warnings.push(warning);
        for (const chart of part.charts ?? []) result.charts!.push(chart);
      }
    }
  };
  await visit(root);
  return result;
}

/** Parses YAML text into an inventory, as a file would load: used by the rule tester and library users. */
export function inventoryFromText(text: string, file = 'example.yaml', namespace = 'default'): LoadResult {
  const parsed = parseYamlStream(text, { file });
  applyDefaultNamespace(parsed.objects, namespace);
  return { inventory: new Inventory(parsed.objects), warnings: parsed.warnings, sources: [{ path: file, kind: 'manifests' }] };
}

/** Reads what helm hands a post-renderer: its rendered manifests with `# Source:` headers, at most `maxObjects` of them. */
export function inventoryFromHelmOutput(text: string, namespace: string, maxObjects = DEFAULT_MAX_RENDER_OBJECTS): LoadResult {
  const parsed = parseRender('the chart', text, maxObjects, (limit) => parseHelmOutput(text, { chart: 'helm', limit }));
  applyDefaultNamespace(parsed.objects, namespace);
  warnMistypedFields(parsed.objects, parsed.warnings);
  return { inventory: new Inventory(parsed.objects), warnings: parsed.warnings, sources: [{ path: '-', kind: 'stdin' }] };
}

/**
 * Namespaced objects without `metadata.namespace` are created in the release (or kubectl) namespace.
 * Setting it at load, before anything reads the objects, is what makes every engine agree on it.
 * Provenance remembers it (and a chart's objects rendered into the release namespace), so rules can
 * tell a namespace the source chose from the one the installer chose.
 */
function applyDefaultNamespace(entries: readonly LoadedObject[], namespace: string): void {
  const scopeOf = scopeResolver(entries.map((entry) => entry.object));
  for (const { object, provenance } of entries) {
    if (!object.metadata.namespace && scopeOf(object.apiVersion, object.kind) === 'Namespaced') {
      object.metadata.namespace = namespace;
      provenance.namespaceFromInstall = true;
    } else if (provenance.origin === 'chart' && object.metadata.namespace === namespace) {
      provenance.namespaceFromInstall = true;
    }
    if (object.metadata.namespace && builtinScope(object.apiVersion, object.kind) === 'Cluster' && scopeOf(object.apiVersion, object.kind) === 'Cluster') {
      // The API server ignores a namespace on cluster-scoped objects; so do we.
      delete object.metadata.namespace;
    }
  }
}

/**
 * One warning per workload whose pod template holds a field of the wrong type (`containers: 5`,
 * `volumes: "x"`, `securityContext: []`): the API server refuses such an object, and the checks read
 * the field as absent, so a clean result must not hide it. The rest of the object is still checked.
 */
function warnMistypedFields(entries: readonly LoadedObject[], warnings: string[]): void {
  for (const { object, provenance } of entries) {
    const mistyped = mistypedPodFields(object);
    if (mistyped.length === 0) continue;
    const location = locationOf(provenance);
    const where = location ? `${location.file === '-' ? 'stdin' : location.file}${location.line === undefined ? '' : `:${location.line}`}: ` : '';
    const fields = mistyped.map((field) => `${pathText(field.path)} is ${field.found}, not ${field.expected}`).join('; ');
    warnings.push(`${where}${describeRef(refOf(object))}: ${fields}: the API server refuses this object (checked without ${mistyped.length === 1 ? 'that field' : 'those fields'})`);
  }
}

function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
