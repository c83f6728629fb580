import { relative, resolve } from 'node:path';

/** A path as findings show it: relative to the working directory when inside it, else absolute. */
export function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), resolve(path));
  return fromCwd.startsWith('..') || fromCwd === '' ? resolve(path) : fromCwd;
}
