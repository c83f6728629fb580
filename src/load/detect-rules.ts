import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RuleFileText } from '../detect/definitions.js';
import { readInput, type ReadLimits } from './input.js';
import { displayPath } from './paths.js';

/** The built-in detection rules shipped in the package: `rules/detect/*.yaml`, in name order. */
export const BUILTIN_DETECT_RULES_DIR = fileURLToPath(new URL('../../rules/detect/', import.meta.url));

export function builtinDetectRuleFiles(): RuleFileText[] {
  const names = readdirSync(BUILTIN_DETECT_RULES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
  return names.map((name) => ({ name: `rules/detect/${name}`, text: readFileSync(BUILTIN_DETECT_RULES_DIR + name, 'utf8') }));
}

/** A rules file the user named (kubeward or Falco format), read whole within the input limits. */
export async function readRuleFile(path: string, limits: ReadLimits = {}): Promise<RuleFileText> {
  return { name: displayPath(path), text: await readInput(path, 'rules file', limits) };
}
