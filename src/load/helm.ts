import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, isInputError } from '../core/errors.js';
import { DEFAULT_MAX_RENDER_OBJECTS } from '../core/limits.js';
import { isRecord } from '../core/object.js';
import { helmHooksOf } from '../core/hooks.js';
import { containersOf } from '../core/workload.js';
import { displayPath } from './paths.js';
import type { PathSegment, Provenance } from '../core/provenance.js';
import { foreignMessage } from '../core/sanitize.js';
import { addSensitiveValuesText, helmSecretValues, parseDocuments, readSmallFile } from './secrets.js';
import { DEFAULT_MAX_FILE_BYTES, readRegularFileSync } from './input.js';
import { findTool, runTool, toolError } from './tools.js';
import { parseYamlStream, type LoadedObject, type ParseOptions, type ParseResult } from './yaml.js';

/** What `helm template` is given: the user's values and release settings, exactly as for `helm install`. */
export interface HelmOptions {
  release?: string;
  namespace?: string;
  values?: string[];
  set?: string[];
  setString?: string[];
  setFile?: string[];
  kubeVersion?: string;
  apiVersions?: string[];
  /** A remote chart: `--repo URL` with a chart name, or `repo/chart`, or `oci://…`. */
  repo?: string;
  version?: string;
  timeoutMs?: number;
  /** Bytes a render may print (--max-file-size, as every input read whole). */
  maxOutputBytes?: number;
  maxMemoryBytes?: number;
  /** Objects a render may hold (--max-render-objects). */
  maxObjects?: number;
}

export const DEFAULT_RELEASE = 'release-name';
/** How long helm or kustomize may run, and the memory they may use (--timeout, --max-render-memory). */
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_MEMORY = 2048 * 1024 * 1024;

/**
 * Parses what a chart or kustomization rendered (`parse`, given the parser's limit) within
 * --max-render-objects: at most `limit` objects, and as many containers in their pod templates.
 * The one way renders are held to it (charts, kustomizations, `gate`'s input).
 */
export function parseRender(what: string, text: string, limit: number, parse: (limit: NonNullable<ParseOptions['limit']>) => ParseResult): ParseResult {
  const parsed = parse(renderLimit(what, limit, text));
  checkRenderedContainers(what, limit, parsed);
  return parsed;
}

/**
 * The bound on a render's objects: its documents are counted before they are parsed (its `---` lines),
 * so that a template that loops is refused before its objects fill the memory, and the parser stops
 * at one object past it (a List holds many objects in one document). Returns the parser's limit.
 */
function renderLimit(what: string, limit: number, text: string): NonNullable<ParseOptions['limit']> {
  const tooMany = () => new InputError(`${what} renders more than ${limit} objects (a template that loops?); refused: raise the limit with --max-render-objects`);
  if (documentsIn(text) > limit) throw tooMany();
  return { objects: limit, tooMany };
}

/**
 * Refuses a render whose pod templates hold more than `limit` containers in all: what a scan spends
 * grows with containers, not objects (10,000 Deployments of 20 privileged containers, within the
 * object limit, took 2.1 GB and aborted node with a 512 MB heap). Real charts hold a few hundred.
 */
function checkRenderedContainers(what: string, limit: number, parsed: ParseResult): void {
  let containers = 0;
  for (const { object } of parsed.objects) {
    containers += containersOf(object).length;
    if (containers > limit) throw new InputError(`${what} renders more than ${limit} containers in its pod templates (a template that loops?); refused: raise the limit with --max-render-objects`);
  }
}

/** How many YAML documents a text may hold: its lines that start with `---`. */
function documentsIn(text: string): number {
  let count = text.startsWith('---') ? 1 : 0;
  for (let at = text.indexOf('\n---'); at >= 0; at = text.indexOf('\n---', at + 4)) count++;
  return count;
}

/**
 * Renders a chart (directory, `.tgz`, or remote reference) with the real helm binary and parses
 * what it prints. CRDs and hooks (tests included) are rendered: they are installed too.
 */
export async function renderChart(chart: string, options: HelmOptions, displayName = chart): Promise<ParseResult> {
  const local = existsSync(chart);
  const archive = local && /\.(tgz|tar\.gz)$/.test(chart) ? chart : undefined;
  const chartDir = local && !archive ? chart : undefined;
  if (archive) {
    // The archive reader (and node's zlib) loads for archives only.
    const { checkChartArchive } = await import('./archive.js');
    await checkChartArchive(archive);
  }
  const helm = await findTool('helm');
  const args = ['template', options.release ?? DEFAULT_RELEASE, chart, '--include-crds'];
  if (options.namespace) args.push('--namespace', options.namespace);
  for (const file of options.values ?? []) args.push('--values', file);
  for (const value of options.set ?? []) args.push('--set', value);
  for (const value of options.setString ?? []) args.push('--set-string', value);
  for (const value of options.setFile ?? []) args.push('--set-file', value);
  if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
  for (const apiVersion of options.apiVersions ?? []) args.push('--api-versions', apiVersion);
  if (options.repo) args.push('--repo', options.repo);
  if (options.version) args.push('--version', options.version);
  const result = await runTool(helm, args, {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_FILE_BYTES,
    maxOutputFlag: '--max-file-size',
    maxMemoryBytes: options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY,
    env: helmEnvironment(options),
  });
  if (result.code !== 0) throw new InputError(`helm could not render ${displayName}: ${await renderError(toolError(result.stderr), options, chartDir, archive)}`);
  return parseRender(displayName, result.stdout, options.maxObjects ?? DEFAULT_MAX_RENDER_OBJECTS, (limit) => parseHelmOutput(result.stdout, { chart: displayName, chartDir, limit }));
}

/**
 * helm's error, safe to print. A values file helm cannot parse is quoted by go-yaml (an anchor's
 * name, a key): kubeward reads that file itself and says what is wrong in its own words. Otherwise
 * what the user's values and the chart's own values.yaml (and those of its sub-charts, unpacked or
 * packaged, and of a packaged chart) hold under secret-looking keys is redacted: a template's `fail`
 * or `required` message may quote it.
 */
async function renderError(message: string, options: HelmOptions, chartDir: string | undefined, archive: string | undefined): Promise<string> {
  const valuesFile = /failed to parse (.+?): cannot unmarshal/.exec(message);
  if (valuesFile) return valuesFileError(valuesFile[1], message);
  const secrets = helmSecretValues({ ...options, values: [...chartValuesFiles(chartDir), ...(options.values ?? [])] });
  const packaged = await packagedValues(chartDir, archive);
  // values that could not be read cannot be redacted: helm's words are then not shown at all
  if (packaged === undefined) return "its message is not shown: the chart's packaged values, which it may quote, could not be read to redact them";
  for (const values of packaged) addSensitiveValuesText(secrets, values.text, values.file);
  return foreignMessage(message, { secrets });
}

/**
 * The values.yaml files read from archives: a packaged chart's (its own and its packaged sub-charts'),
 * or those of the sub-charts packaged in a chart folder's charts/; undefined when an archive cannot
 * be read.
 */
async function packagedValues(chartDir: string | undefined, archive: string | undefined): Promise<{ file: string; text: string }[] | undefined> {
  if (chartDir === undefined && archive === undefined) return [];
  const { chartArchiveFiles, packagedSubchartFiles, subchartArchivesIn, VALUES_FILE } = await import('./render-variants.js');
  const files = archive ? chartArchiveFiles(archive, VALUES_FILE) : packagedSubchartFiles(subchartArchivesIn(chartDir!), VALUES_FILE);
  return files.catch(() => undefined);
}

function valuesFileError(file: string, message: string): string {
  const text = readSmallFile(file);
  try {
    const documents = text === undefined ? [] : parseDocuments(text, file);
    const values = documents.find((document) => document !== null && document !== undefined);
    if (values !== undefined && !isRecord(values)) return `${file}: values must be a mapping of keys (it holds ${Array.isArray(values) ? 'a list' : 'a scalar'})`;
  } catch (error) {
    if (isInputError(error)) return error.message;
    throw error;
  }
  const line = /\bline (\d+)\b/.exec(message.slice(message.indexOf(file) + file.length));
  return `${file}: helm cannot read these values${line ? ` (line ${line[1]})` : ''}`;
}

/** The values.yaml of a chart directory and of the unpacked sub-charts in its charts/ folder. */
function chartValuesFiles(chartDirectory: string | undefined): string[] {
  if (!chartDirectory) return [];
  const files = [join(chartDirectory, 'values.yaml')];
  try {
    for (const entry of readdirSync(join(chartDirectory, 'charts'), { withFileTypes: true })) if (entry.isDirectory()) files.push(join(chartDirectory, 'charts', entry.name, 'values.yaml'));
  } catch {
    // no charts/ folder
  }
  return files;
}

/**
 * Fetches a remote chart (`--repo URL name`, `repo/chart`, `oci://…`) into `directory` with `helm
 * pull`, so it is checked as an archive, its Chart.yaml and Chart.lock can be read, and it is
 * rendered from disk like any `.tgz`. Returns the archive's path.
 */
export async function pullChart(reference: string, directory: string, options: HelmOptions): Promise<string> {
  const args = ['pull', reference, '--destination', directory];
  if (options.repo) args.push('--repo', options.repo);
  if (options.version) args.push('--version', options.version);
  const result = await runTool(await findTool('helm'), args, {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_FILE_BYTES,
    maxMemoryBytes: options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY,
    env: helmEnvironment(options),
  });
  if (result.code !== 0) throw new InputError(`helm could not fetch ${reference}: ${foreignMessage(toolError(result.stderr))}`);
  const archive = readdirSync(directory).find((name) => /\.(tgz|tar\.gz)$/.test(name));
  if (!archive) throw new InputError(`helm could not fetch ${reference}: helm pull wrote no chart archive`);
  return join(directory, archive);
}

/**
 * Helm runs with the user's environment, but never asks for a kube context: `template` is client-only.
 * Go's garbage collector is set to run less often (GOGC=400 rather than 100), unless the user set it:
 * helm's packages allocate ≈ 12 MB while they initialise, before the chart is read, and collecting
 * that is a fifth of the CPU of rendering a small chart (issue 9: 63 → 49 ms). GOMEMLIMIT, half of the
 * memory limit, makes Go collect harder as a big render nears it, so the heap's extra room between
 * collections does not push a big chart over --max-render-memory.
 */
function helmEnvironment(options: Pick<HelmOptions, 'maxMemoryBytes'>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env, HELM_KUBECONTEXT: '', KUBECONFIG: process.env.KUBECONFIG ?? '/dev/null' };
  if (environment.GOGC === undefined && environment.GOMEMLIMIT === undefined) {
    environment.GOGC = '400';
    environment.GOMEMLIMIT = String(Math.floor((options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY) / 2));
  }
  return environment;
}

interface RenderContext {
  chart: string;
  /** The chart's directory when it is local, so findings can name the template file on disk. */
  chartDir?: string;
  /** At most this many objects in all (renderLimit). */
  limit?: ParseOptions['limit'];
}

const SOURCE_COMMENT = /^# Source: (.+)$/;
const POSTRENDER_FILENAME = 'postrenderer.helm.sh/postrender-filename';

/** Splits `helm template` output on its `# Source:` headers and parses each manifest with provenance. */
export function parseHelmOutput(output: string, context: RenderContext): ParseResult {
  const result: ParseResult = { objects: [], warnings: [] };
  const lines = output.split('\n');
  const ordinals = new Map<string, number>();
  let start = 0;
  let template: string | undefined;
  const flush = (end: number) => {
    if (end <= start) return;
    const text = lines.slice(start, end).join('\n');
    if (!text.trim()) return;
    const templatePath = template ?? 'unknown';
    const { limit } = context;
    const parsed = parseYamlStream(text, {
      file: templatePath,
      origin: 'chart',
      firstLine: start + 1,
      extra: { template: templatePath, source: context.chart },
      // what the templates before this one rendered counts too
      ...(limit ? { limit: { objects: limit.objects - result.objects.length, tooMany: limit.tooMany } } : {}),
    });
    for (const warning of parsed.warnings) result.warnings.push(`${context.chart}: ${warning}`);
    for (const entry of parsed.objects) result.objects.push(withTemplateLocation(entry, templatePath, context, ordinals, lines));
  };
  for (let index = 0; index < lines.length; index++) {
    const source = SOURCE_COMMENT.exec(lines[index]);
    if (source && index > 0 && lines[index - 1].startsWith('---')) {
      flush(index - 1);
      start = index;
      template = source[1].trim();
    } else if (source && index === 0) {
      template = source[1].trim();
    }
  }
  flush(lines.length);
  return result;
}

/**
 * Findings on a rendered object point at its template file on disk. Rendered lines are not template
 * lines, so the object's line is the `kind:` line of the matching document in the template (the n-th
 * object of that kind from that template), and a field's line is the template line that renders to
 * the same text (or, for a templated value, the line with the same key), found within that document.
 */
function withTemplateLocation(
  entry: LoadedObject,
  template: string,
  context: RenderContext,
  ordinals: Map<string, number>,
  renderedLines: readonly string[],
): LoadedObject {
  const object = entry.object;
  // Helm 4 hands post-renderers objects without `# Source:` headers, annotated with the template instead.
  template = object.metadata.annotations?.[POSTRENDER_FILENAME] ?? template;
  const hooks = helmHooksOf(object);
  const provenance: Provenance = { origin: 'chart', template, source: context.chart, file: template };
  if (hooks.length) provenance.hooks = hooks;
  if (context.chartDir) {
    const onDisk = join(context.chartDir, template.split('/').slice(1).join('/'));
    const key = `${template}\u0000${object.kind}`;
    const ordinal = ordinals.get(key) ?? 0;
    ordinals.set(key, ordinal + 1);
    provenance.file = displayPath(onDisk);
    const templateLines = readTemplate(onDisk);
    if (templateLines) {
      const kindIndex = kindLineIndex(templateLines, object.kind, ordinal);
      provenance.line = kindIndex + 1;
      const renderedLocate = entry.provenance.locate;
      if (renderedLocate) provenance.locate = templateLocator(templateLines, kindIndex, renderedLines, renderedLocate);
    }
  }
  return { object, provenance };
}

const templateCache = new Map<string, string[] | null>();
/**
 * Larger than any template helm renders: helm 4 refuses a chart file over 5 MiB unless told otherwise
 * (`chart file "x.yaml" is larger than the maximum file size 5242880`); this leaves room for that.
 */
export const MAX_TEMPLATE_BYTES = 20 * 1024 * 1024;
/** A chart archive larger than this when unpacked is refused (helm 4 refuses a chart over 100 MiB unpacked too). */
export const MAX_UNPACKED_BYTES = 100 * 1024 * 1024;

/**
 * A template's lines, for locating findings. The path comes from the rendered output (a `# Source:`
 * line, or the post-renderer annotation, which the chart writes): regular files within a size only,
 * never a FIFO or /dev/zero.
 */
function readTemplate(file: string): string[] | null {
  let lines = templateCache.get(file);
  if (lines === undefined) {
    try {
      lines = readRegularFileSync(file, MAX_TEMPLATE_BYTES).split('\n');
    } catch {
      lines = null;
    }
    templateCache.set(file, lines);
  }
  return lines;
}

function kindLineIndex(lines: readonly string[], kind: string, ordinal: number): number {
  const pattern = new RegExp(`^\\s*kind:\\s*["']?${kind}["']?\\s*(#.*)?$`);
  let seen = 0;
  for (let index = 0; index < lines.length; index++) {
    if (pattern.test(lines[index]) && seen++ === ordinal) return index;
  }
  return 0;
}

const KEY = /^(?:-\s+)?([^\s:#{}[\],]+):(?:\s|$)/;

function templateLocator(
  templateLines: readonly string[],
  kindIndex: number,
  renderedLines: readonly string[],
  renderedLocate: (path: readonly PathSegment[]) => number | undefined,
): (path: readonly PathSegment[]) => number | undefined {
  // The template document holding the object: between the `---` separators around its kind line.
  let first = kindIndex;
  while (first > 0 && !templateLines[first - 1].startsWith('---')) first--;
  let last = kindIndex;
  while (last + 1 < templateLines.length && !templateLines[last + 1].startsWith('---')) last++;
  const objectStart = renderedLocate([]) ?? 1;
  return (path) => {
    if (path.length === 0) return kindIndex + 1;
    const rendered = renderedLocate(path);
    if (rendered === undefined || rendered < objectStart) return undefined;
    const text = renderedLines[rendered - 1]?.trim() ?? '';
    const same = (a: string) => a.trim() === text;
    const found = nthMatch(templateLines, first, last, same, countBefore(renderedLines, objectStart, rendered, same));
    if (found !== undefined) return found + 1;
    const key = KEY.exec(text)?.[1];
    if (!key) return undefined;
    const sameKey = (a: string) => KEY.exec(a.trim())?.[1] === key;
    const byKey = nthMatch(templateLines, first, last, sameKey, countBefore(renderedLines, objectStart, rendered, sameKey));
    return byKey === undefined ? undefined : byKey + 1;
  };
}

/** How many rendered lines of the object before `line` satisfy `test` (1-based lines). */
function countBefore(lines: readonly string[], from: number, line: number, test: (text: string) => boolean): number {
  let count = 0;
  for (let index = from - 1; index < line - 1; index++) if (test(lines[index])) count++;
  return count;
}

/** The n-th line in [first, last] satisfying `test`, else the last such line, else undefined. */
function nthMatch(lines: readonly string[], first: number, last: number, test: (text: string) => boolean, n: number): number | undefined {
  let seen = 0;
  let lastMatch: number | undefined;
  for (let index = first; index <= last; index++) {
    if (!test(lines[index])) continue;
    if (seen++ === n) return index;
    lastMatch = index;
  }
  return lastMatch;
}
