import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { InputError } from '../core/errors.js';
import { DEFAULT_MAX_RENDER_OBJECTS } from '../core/limits.js';
import { isRecord } from '../core/object.js';
import { foreignMessage } from '../core/sanitize.js';
import { DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT_MS, parseRender, type HelmOptions } from './helm.js';
import { DEFAULT_MAX_FILE_BYTES } from './input.js';
import { displayPath } from './paths.js';
import { addSecretObjects, addStrings, addValue, parseQuietly, readSmallFile } from './secrets.js';
import { findTool, runTool, toolError } from './tools.js';
import { parseYamlStream, type ParseResult } from './yaml.js';

/** kustomize: `kubectl kustomize` renders, kubeward reads what it prints. */

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** How far a kustomization's bases are followed, and how many are read at most, for redaction. */
const MAX_KUSTOMIZE_DEPTH = 8;
const MAX_KUSTOMIZATIONS = 64;

/** kubectl's errors that list literal sources: the list and the bad literal are redacted whatever they hold. */
const KUSTOMIZE_SECRET_PATTERNS: readonly RegExp[] = [/(?<=literal sources \[)[^\]]*(?=\])/g, /(?<=invalid literal source ).*?(?=, expected key=value|$)/gm];

/** Renders a kustomization with `kubectl kustomize`; findings point at the kustomization file. */
export async function renderKustomization(directory: string, options: Pick<HelmOptions, 'timeoutMs' | 'maxOutputBytes' | 'maxMemoryBytes' | 'maxObjects'>): Promise<ParseResult> {
  const kubectl = await findTool('kubectl');
  const run = await runTool(kubectl, ['kustomize', directory], {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_FILE_BYTES,
    maxOutputFlag: '--max-file-size',
    maxMemoryBytes: options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY,
  });
  if (run.code !== 0) {
    const secrets = [...kustomizeSecretValues(directory), ...KUSTOMIZE_SECRET_PATTERNS];
    throw new InputError(`kustomize could not build ${directory}: ${foreignMessage(toolError(run.stderr), { secrets })}`);
  }
  const kustomization = KUSTOMIZATION_FILES.map((name) => join(directory, name)).find((file) => existsSync(file)) ?? directory;
  const parsed = parseRender(directory, run.stdout, options.maxObjects ?? DEFAULT_MAX_RENDER_OBJECTS, (limit) =>
    parseYamlStream(run.stdout, { file: displayPath(kustomization), origin: 'kustomize', extra: { source: directory }, limit }),
  );
  // Rendered lines do not exist on disk: findings point at the kustomization file itself.
  for (const entry of parsed.objects) {
    entry.provenance.line = undefined;
    entry.provenance.locate = undefined;
  }
  return parsed;
}

/** What a kubectl kustomize error may quote: generator literals and files, and Secret manifests, through local bases. */
export function kustomizeSecretValues(directory: string): Set<string> {
  const values = new Set<string>();
  const visited = new Set<string>();
  const visit = (folder: string, depth: number) => {
    if (depth > MAX_KUSTOMIZE_DEPTH || visited.size >= MAX_KUSTOMIZATIONS || visited.has(folder)) return;
    visited.add(folder);
    const text = KUSTOMIZATION_FILES.map((name) => readSmallFile(join(folder, name))).find((found) => found !== undefined);
    if (text === undefined) return;
    const kustomization = parseQuietly(text, folder)[0];
    if (!isRecord(kustomization)) return;
    // Every string of every generator entry, whatever its keys: a misspelt key is exactly when kubectl quotes it.
    addStrings(values, kustomization.secretGenerator);
    for (const generator of Array.isArray(kustomization.secretGenerator) ? kustomization.secretGenerator : []) {
      if (!isRecord(generator)) continue;
      for (const key of ['files', 'envs', 'env']) {
        const entries = generator[key];
        for (const entry of Array.isArray(entries) ? entries : typeof entries === 'string' ? [entries] : []) {
          if (typeof entry !== 'string') continue;
          const path = entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : entry;
          const content = readSmallFile(isAbsolute(path) ? path : join(folder, path));
          if (content !== undefined) addValue(values, content);
        }
      }
    }
    for (const key of ['resources', 'bases', 'components']) {
      const entries = kustomization[key];
      for (const entry of Array.isArray(entries) ? entries : []) {
        if (typeof entry !== 'string' || /^[a-z]+:\/\//i.test(entry)) continue;
        const path = isAbsolute(entry) ? entry : join(folder, entry);
        const manifest = readSmallFile(path);
        if (manifest !== undefined) addSecretObjects(values, parseQuietly(manifest, path));
        else visit(path, depth + 1);
      }
    }
  };
  visit(directory, 0);
  return values;
}
