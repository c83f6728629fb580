import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO } from './cli.js';

/** The shared conformance corpora: `../shared/corpus` beside the checkout (CI has it there too), or $KUBEWARD_CORPUS. */
export const CORPUS = process.env.KUBEWARD_CORPUS ?? resolve(REPO, '../shared/corpus');

export function corpusPath(...parts: string[]): string {
  const path = resolve(CORPUS, ...parts);
  if (!existsSync(path)) throw new Error(`conformance corpus missing: ${path} (set KUBEWARD_CORPUS)`);
  return path;
}
