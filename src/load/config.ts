import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { emptyConfig, parseConfig, type Config } from '../core/config.js';
import { readInput, type ReadLimits } from './input.js';
import { parseYamlDocument } from './yaml-document.js';

const CONFIG_NAMES = ['.kubeward.yaml', '.kubeward.yml'];

/** The nearest `.kubeward.yaml` from `start` upward, or undefined. */
export function findConfigFile(start = process.cwd()): string | undefined {
  let directory = resolve(start);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = join(directory, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/** Reads the configuration: an explicit file, else the nearest one, else defaults. */
export async function loadConfig(explicit?: string | false, limits: ReadLimits = {}): Promise<{ config: Config; file?: string }> {
  if (explicit === false) return { config: emptyConfig() };
  const file = explicit || findConfigFile();
  if (!file) return { config: emptyConfig() };
  const text = await readInput(file, 'configuration', limits);
  const raw = parseYamlDocument(text, { file, schema: 'core' });
  return { config: parseConfig(raw, file), file };
}
