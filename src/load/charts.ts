/**
 * Supply-chain facts about the charts a scan renders: name, version, and where the chart and each
 * dependency come from, read from Chart.yaml and Chart.lock (in a folder or inside a `.tgz`), with
 * helm repository names (`@stable`, `alias:stable`) resolved to URLs through `helm repo list`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadEntry } from 'tar';
import { isLocalRepository, repositoryAlias, type ChartDependency, type ChartSource } from '../core/chart.js';
import { isRecord } from '../core/object.js';
import { readRegularFileSync } from './input.js';
import { displayPath } from './paths.js';
import { findTool, runTool } from './tools.js';
import { documentLocator } from './yaml.js';
import { parseYamlDocument } from './yaml-document.js';

/** Chart.yaml and Chart.lock are small; anything bigger is not read for metadata. */
const MAX_METADATA_BYTES = 1024 * 1024;

interface MetadataFiles {
  chartYaml?: string;
  chartLock?: string;
  /** apiVersion v1 charts list their dependencies here. */
  requirementsYaml?: string;
}

const METADATA_FILES = { 'Chart.yaml': 'chartYaml', 'Chart.lock': 'chartLock', 'requirements.yaml': 'requirementsYaml' } as const;

/** Chart.yaml and Chart.lock of a chart folder. */
function readFolder(directory: string): MetadataFiles {
  const read = (name: string) => {
    const file = join(directory, name);
    if (!existsSync(file)) return undefined;
    try {
      // Regular files within the limit only: a FIFO or /dev/zero named Chart.yaml is no metadata.
      return readRegularFileSync(file, MAX_METADATA_BYTES);
    } catch {
      return undefined;
    }
  };
  return { chartYaml: read('Chart.yaml'), chartLock: read('Chart.lock'), requirementsYaml: read('requirements.yaml') };
}

/** Chart.yaml and Chart.lock at the top of a chart archive (`<chart>/Chart.yaml`). */
async function readArchive(file: string): Promise<MetadataFiles> {
  const files: MetadataFiles = {};
  let top: string | undefined;
  const onReadEntry = (entry: ReadEntry) => {
    const parts = entry.path.split('/');
    top ??= parts[0];
    const name = parts.length === 2 && parts[0] === top ? parts[1] : '';
    const wanted = Object.hasOwn(METADATA_FILES, name) ? METADATA_FILES[name as keyof typeof METADATA_FILES] : undefined;
    if (!wanted || (entry.size ?? 0) > MAX_METADATA_BYTES) {
      entry.resume();
      return;
    }
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => (files[wanted] = Buffer.concat(chunks).toString('utf8')));
  };
  const { list } = await import('tar');
  await list({ file, onReadEntry });
  return files;
}

let repositoryNames: Promise<Map<string, string>> | undefined;

/** The user's helm repositories by name (`helm repo list -o json`), read once; empty when there are none. */
function helmRepositories(): Promise<Map<string, string>> {
  repositoryNames ??= (async () => {
    const result = await runTool(await findTool('helm'), ['repo', 'list', '-o', 'json'], { timeoutMs: 30_000, maxOutputBytes: 16 * 1024 * 1024 });
    const names = new Map<string, string>();
    if (result.code !== 0) return names; // "no repositories to show"
    try {
      const entries = JSON.parse(result.stdout) as unknown;
      if (Array.isArray(entries)) for (const entry of entries) if (isRecord(entry) && typeof entry.name === 'string' && typeof entry.url === 'string') names.set(entry.name, entry.url);
    } catch {
      // Not JSON: treat as no repositories.
    }
    return names;
  })();
  return repositoryNames;
}

/** The URL of a `repo/chart` reference's repository, when the user's helm knows that name. */
export async function repositoryOfName(name: string): Promise<string | undefined> {
  return (await helmRepositories()).get(name);
}

function parseYaml(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return parseYamlDocument(text, { file: 'Chart.yaml' });
  } catch {
    return undefined;
  }
}

async function dependenciesOf(value: unknown, from: ChartDependency['from'], locate?: (path: (string | number)[]) => number | undefined): Promise<ChartDependency[]> {
  if (!isRecord(value) || !Array.isArray(value.dependencies)) return [];
  const dependencies: ChartDependency[] = [];
  for (const [index, entry] of value.dependencies.entries()) {
    if (!isRecord(entry) || typeof entry.name !== 'string') continue;
    const dependency: ChartDependency = { name: entry.name, path: ['dependencies', index], from };
    if (entry.version !== undefined) dependency.version = String(entry.version);
    if (typeof entry.alias === 'string') dependency.alias = entry.alias;
    if (typeof entry.repository === 'string' && entry.repository) {
      dependency.repository = entry.repository;
      dependency.path = ['dependencies', index, 'repository'];
      const alias = repositoryAlias(entry.repository);
      if (alias !== undefined) dependency.url = await repositoryOfName(alias);
      else if (!isLocalRepository(entry.repository)) dependency.url = entry.repository;
    }
    const line = locate?.(dependency.path);
    if (line !== undefined) dependency.line = line + 1;
    dependencies.push(dependency);
  }
  return dependencies;
}

/**
 * The chart at `path` (a folder or a `.tgz`) as a ChartSource. `repository` is where it was fetched
 * from, for a remote chart. Undefined when Chart.yaml cannot be read: helm has rendered the chart,
 * so that does not happen for a chart helm accepts.
 */
export async function readChartSource(path: string, options: { source: string; archive: boolean; repository?: string; remote?: boolean }): Promise<ChartSource | undefined> {
  const files = options.archive ? await readArchive(path) : readFolder(path);
  const chart = parseYaml(files.chartYaml);
  if (!isRecord(chart) || typeof chart.name !== 'string') return undefined;
  const onDisk = !options.archive;
  const locate = onDisk && files.chartYaml !== undefined ? documentLocator(files.chartYaml) : undefined;
  const source: ChartSource = { source: options.source, name: chart.name, dependencies: [] };
  if (chart.version !== undefined) source.version = String(chart.version);
  if (options.repository) source.repository = options.repository;
  // Findings point at Chart.yaml on disk, at the archive, or nowhere for a chart fetched from a repository.
  if (!options.remote) source.file = onDisk ? displayPath(join(path, 'Chart.yaml')) : displayPath(path);
  const nameLine = locate?.(['name']);
  if (nameLine !== undefined) source.nameLine = nameLine + 1;
  // Chart.yaml says what the author asked for; Chart.lock what `helm dependency update` fetched (v2 charts keep both).
  const declared = [
    ...(await dependenciesOf(chart, 'Chart.yaml', locate)),
    ...(await dependenciesOf(parseYaml(files.requirementsYaml), 'requirements.yaml')),
  ];
  const locked = await dependenciesOf(parseYaml(files.chartLock), 'Chart.lock');
  const seen = new Set(declared.map((dependency) => `${dependency.name}\u0000${dependency.url ?? dependency.repository ?? ''}`));
  source.dependencies = [...declared, ...locked.filter((dependency) => !seen.has(`${dependency.name}\u0000${dependency.url ?? dependency.repository ?? ''}`))];
  return source;
}
