import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.js';
import type { RuleFileText } from '../detect/definitions.js';
import { displayPath } from './paths.js';

/** The built-in detection rules shipped in the package: `rules/detect/*.yaml`, in name order. */
export const BUILTIN_DETECT_RULES_DIR = fileURLToPath(new URL('../../rules/detect/', import.meta.url));

export function builtinDetectRuleFiles(): RuleFileText[] {
  const names = readdirSync(BUILTIN_DETECT_RULES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
  return names.map((name) => ({ name: `rules/detect/${name}`, text: readFileSync(BUILTIN_DETECT_RULES_DIR + name, 'utf8') }));
}

/** A rules file the user named (kubeward or Falco format), read whole. */
export function readRuleFile(path: string): RuleFileText {
  try {
    return { name: displayPath(path), text: readFileSync(path, 'utf8') };
  } catch (error) {
    throw new InputError(`${path}: cannot read rules file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
