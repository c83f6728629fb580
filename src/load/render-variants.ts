/**
 * A chart's output may depend on where and on what it is installed: a trojan renders its
 * ClusterRoleBinding only when `.Release.Namespace` is not `default` (where scanners render), or only
 * on Kubernetes versions other than the one `helm template` assumes. So a chart is rendered twice
 * more, in parallel with the user's render: with another release namespace (`default`, or
 * `kubeward-probe` when the user's is `default`) and with another Kubernetes version. The
 * comparison is pure (rules/render-variants.ts); this file only runs helm and reads templates.
 *
 * Templates that call `lookup` read the live cluster at install time, which `helm template` never
 * sees (it returns an empty map): their use is reported too.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ReadEntry } from 'tar';
import { InputError } from '../core/errors.js';
import { errorText } from '../core/sanitize.js';
import { MAX_TEMPLATE_BYTES, MAX_UNPACKED_BYTES, renderChart, type HelmOptions } from './helm.js';
import { readRegularBytesSync, readRegularFileSync } from './input.js';
import { displayPath } from './paths.js';
import type { LoadedObject } from './yaml.js';

/** The Kubernetes version of the second render when the user names none (helm then assumes its own client's, v1.35 for helm 4.1). */
export const PROBE_KUBE_VERSION = 'v1.31.0';
/** The release namespace of the second render when the user's is `default`. */
export const PROBE_NAMESPACE = 'kubeward-probe';

export interface RenderVariant {
  kind: 'namespace' | 'kube-version';
  /** The release namespace of this render. */
  namespace: string;
  /** `--kube-version` of this render; undefined is helm's default. */
  kubeVersion?: string;
  objects: LoadedObject[];
}

export interface LookupUse {
  /** The template file as the user reads it. */
  file: string;
  line: number;
  /** `lookup "v1" "Secret" …` as written (first 120 characters). */
  call: string;
}

/** What the second and third renders of one chart found; `scan` compares them with the first. */
export interface ChartProbe {
  chart: string;
  namespace: string;
  kubeVersion?: string;
  variants: RenderVariant[];
  lookups: LookupUse[];
  /** Variants helm could not render (a chart that requires a Kubernetes version): not a problem of the user's render. */
  skipped: string[];
}

/** The two extra renders for the user's options. */
export function probeVariants(options: HelmOptions): Pick<RenderVariant, 'kind' | 'namespace' | 'kubeVersion'>[] {
  const namespace = options.namespace ?? 'default';
  const userVersion = options.kubeVersion;
  return [
    { kind: 'namespace', namespace: namespace === 'default' ? PROBE_NAMESPACE : 'default', ...(userVersion ? { kubeVersion: userVersion } : {}) },
    { kind: 'kube-version', namespace, ...(userVersion ? {} : { kubeVersion: PROBE_KUBE_VERSION }) },
  ];
}

/** Renders the variants of a local chart (directory or archive) and finds its `lookup` calls. Remote charts are not probed (it would download them again). */
export async function probeChart(chart: string, options: HelmOptions, kind: 'chart' | 'chart-archive'): Promise<ChartProbe> {
  const renders = probeVariants(options).map(async (variant): Promise<RenderVariant | string> => {
    try {
      const parsed = await renderChart(chart, { ...options, namespace: variant.namespace, kubeVersion: variant.kubeVersion });
      return { ...variant, objects: parsed.objects };
    } catch (error) {
      return `${variant.kind === 'namespace' ? `namespace ${variant.namespace}` : `--kube-version ${variant.kubeVersion ?? 'default'}`}: ${(error as Error).message}`;
    }
  });
  const [lookups, ...results] = await Promise.all([kind === 'chart' ? lookupsInDirectory(chart) : lookupsInArchive(chart), ...renders]);
  const probe: ChartProbe = { chart, namespace: options.namespace ?? 'default', variants: [], lookups, skipped: [] };
  if (options.kubeVersion) probe.kubeVersion = options.kubeVersion;
  for (const result of results) {
    if (typeof result === 'string') probe.skipped.push(result);
    else probe.variants.push(result);
  }
  return probe;
}

const LOOKUP = /\blookup\s+("[^"]*"|\$?[\w.]+)\s+("[^"]*"|\$?[\w.]+)[^}\n]*/;
const TEMPLATE_FILE = /(^|\/)templates\/.*\.(ya?ml|tpl|txt|json)$/;
const TEMPLATE_FOLDER = /(^|\/)templates(\/|$)/;
/**
 * A dependency packaged in a `charts/` folder, which helm unpacks and renders with the chart (helm
 * skips names starting with `_` or `.`). Its templates are read too: a `lookup` is no less there for
 * being one archive deeper.
 */
const SUBCHART_ARCHIVE = /(^|\/)charts\/[^/_.][^/]*\.tgz$/;
/** The default values of a chart or of one of its sub-charts (helm reads `values.yaml` only). */
export const VALUES_FILE = /(^|\/)values\.yaml$/;
/** Sub-charts packaged inside packaged sub-charts, as deep as this; deeper is refused (a gzip quine contains itself). */
const MAX_ARCHIVE_DEPTH = 8;

function lookupsInText(text: string, file: string): LookupUse[] {
  const found: LookupUse[] = [];
  text.split('\n').forEach((line, index) => {
    const match = LOOKUP.exec(line);
    if (!match || !line.includes('{{')) return;
    let call = match[0].trim();
    // `(lookup "v1" "Secret" ns "x")`: drop the parenthesis the match ends on but did not open.
    while (call.endsWith(')') && (call.match(/\)/g) ?? []).length > (call.match(/\(/g) ?? []).length) call = call.slice(0, -1).trimEnd();
    found.push({ file, line: index + 1, call: call.slice(0, 120) });
  });
  return found;
}

/**
 * Every template helm reads: helm follows symbolic links in a chart folder, and so does this walk
 * (each folder at most twice, inside a `templates` folder and outside one, so a loop of links ends),
 * and reads template files up to its size limit. A template is read as helm.ts reads one (one open,
 * then fstat): a FIFO or a device named like a template, or one larger than helm renders, is refused
 * in one line (InputError), never waited on nor skipped: a `lookup` in a template left unread would
 * go unreported.
 */
async function lookupsInDirectory(chart: string): Promise<LookupUse[]> {
  const found: LookupUse[] = [];
  const visited = new Set<string>();
  const visit = (directory: string) => {
    const key = `${TEMPLATE_FOLDER.test(relative(chart, directory))}:${realpathSync(directory)}`;
    if (visited.has(key)) return;
    visited.add(key);
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      const inChart = relative(chart, path);
      if (entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(path))) visit(path);
      else if (TEMPLATE_FILE.test(inChart)) found.push(...lookupsInText(readRegularFileSync(path, MAX_TEMPLATE_BYTES, displayPath(path)), displayPath(path)));
      else if (SUBCHART_ARCHIVE.test(inChart)) archives.push(path);
    }
  };
  const archives: string[] = [];
  visit(chart);
  for (const template of await packagedSubchartFiles(archives, TEMPLATE_FILE)) found.push(...lookupsInText(template.text, template.file));
  return found;
}

/**
 * The files matching `wanted` of sub-charts packaged in a chart folder (`charts/*.tgz`, which helm
 * unpacks and renders with the chart), read from memory within one chart's budget.
 */
export async function packagedSubchartFiles(archives: readonly string[], wanted: RegExp): Promise<ChartFile[]> {
  const budget = { left: MAX_UNPACKED_BYTES };
  const files: ChartFile[] = [];
  for (const path of archives) files.push(...(await archiveBytesFiles(readRegularBytesSync(path, MAX_UNPACKED_BYTES, displayPath(path)), displayPath(path), wanted, 1, budget)));
  return files;
}

/** The sub-charts packaged in a chart folder's charts/ that helm renders with it (SUBCHART_ARCHIVE). */
export function subchartArchivesIn(chartDir: string): string[] {
  try {
    return readdirSync(join(chartDir, 'charts'), { withFileTypes: true })
      .filter((entry) => entry.isFile() && SUBCHART_ARCHIVE.test(`charts/${entry.name}`))
      .map((entry) => join(chartDir, 'charts', entry.name));
  } catch {
    return []; // no charts/ folder
  }
}

/** Whether a link leads to a folder (a dangling link does not). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A file of a chart read from its archive: where it is (`chart.tgz:chart/values.yaml`, one archive deeper for a packaged sub-chart) and its text. */
export interface ChartFile {
  file: string;
  text: string;
}

/** The `lookup` calls of a packaged chart: its templates', and those of the sub-charts packaged inside it. */
async function lookupsInArchive(file: string): Promise<LookupUse[]> {
  return (await chartArchiveFiles(file, TEMPLATE_FILE)).flatMap((template) => lookupsInText(template.text, template.file));
}

/**
 * The files of a packaged chart whose path matches `wanted`, and those of the sub-charts packaged
 * inside it (`probe/charts/sub-1.0.0.tgz`, read from memory). The archive itself was checked (no
 * links, no escaping paths, bounded size) before helm ran on it.
 */
export async function chartArchiveFiles(file: string, wanted: RegExp): Promise<ChartFile[]> {
  const files: ChartFile[] = [];
  const nested: { path: string; bytes: Buffer }[] = [];
  const { list } = await import('tar');
  await list({ file, onReadEntry: collectEntry(`${displayPath(file)}:`, wanted, files, nested) });
  const budget = { left: MAX_UNPACKED_BYTES };
  for (const archive of nested) files.push(...(await archiveBytesFiles(archive.bytes, `${displayPath(file)}:${archive.path}`, wanted, 1, budget)));
  return files;
}

/** How much all the packaged sub-charts of one chart may unpack to, together: what one chart may weigh. */
interface InflateBudget {
  left: number;
}

/**
 * A sub-chart's archive held in memory: inflated within what is left of the chart's budget (so a
 * chart of many small archives that each inflate to the limit is refused, not ground through), then
 * read as chartArchiveFiles reads a file, its own packaged sub-charts included, down to MAX_ARCHIVE_DEPTH.
 */
async function archiveBytesFiles(bytes: Buffer, shown: string, wanted: RegExp, depth: number, budget: InflateBudget): Promise<ChartFile[]> {
  if (depth > MAX_ARCHIVE_DEPTH) throw new InputError(`${shown}: refused chart archive: sub-charts packaged more than ${MAX_ARCHIVE_DEPTH} deep`);
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(bytes, { maxOutputLength: Math.max(1, budget.left) });
    budget.left -= tarBytes.length;
  } catch (error) {
    const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
    throw new InputError(`${shown}: ${tooLarge ? `refused chart archive: its packaged sub-charts unpack to more than ${MAX_UNPACKED_BYTES / 1048576} MiB` : `not a readable chart archive: ${errorText(error)}`}`);
  }
  const files: ChartFile[] = [];
  const nested: { path: string; bytes: Buffer }[] = [];
  const { Parser } = await import('tar');
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({ strict: true, onReadEntry: collectEntry(`${shown}:`, wanted, files, nested) });
    parser.on('error', (error: unknown) => reject(new InputError(`${shown}: not a readable chart archive: ${errorText(error)}`)));
    parser.on('end', () => resolve());
    parser.end(tarBytes);
  });
  for (const archive of nested) files.push(...(await archiveBytesFiles(archive.bytes, `${shown}:${archive.path}`, wanted, depth + 1, budget)));
  return files;
}

/** What an archive entry holds: a wanted file's text, or a packaged sub-chart to read next. */
function collectEntry(prefix: string, wanted: RegExp, files: ChartFile[], nested: { path: string; bytes: Buffer }[]): (entry: ReadEntry) => void {
  return (entry) => {
    const isWanted = wanted.test(entry.path);
    if (entry.type !== 'File' || (!isWanted && !SUBCHART_ARCHIVE.test(entry.path))) {
      entry.resume();
      return;
    }
    const chunks: Buffer[] = [];
    const path = entry.path;
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => {
      const bytes = Buffer.concat(chunks);
      if (isWanted) files.push({ file: `${prefix}${path}`, text: bytes.toString('utf8') });
      else nested.push({ path, bytes });
    });
  };
}
