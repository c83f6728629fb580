import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { isRecord } from '../core/object.js';
import { parseYamlDocument } from './yaml-document.js';
import { splitDocuments } from './yaml.js';

/**
 * The values a tool's error message may quote and kubeward must never print: what the user hands
 * helm (`--set` values, `--set-file` contents, values under secret-looking keys in values files)
 * and what a kustomization turns into Secrets (secretGenerator literals, files and env files, Secret
 * manifests among its resources). foreignMessage redacts them from helm's and kubectl's errors.
 *
 * Harvesting reads regular files only, and small ones: a FIFO (`--set-file x=<(…)`) belongs to the
 * tool, which reads it once.
 */

/** Files larger than this are not read for redaction (a secret is small; a large file is data). */
const MAX_HARVESTED_FILE_BYTES = 1024 * 1024;
/** Keys whose values are secret by their name, in values files. */
const SENSITIVE_KEY = /pass|pwd|pw$|secret|token|credential|private|api[-_]?key|auth|cert|dsn|connection|sasl|salt|cookie/i;
/** A value, the value part of `key=value`, and each line of a multi-line value. */
export function addValue(values: Set<string>, text: string): void {
  values.add(text);
  const equals = text.indexOf('=');
  if (equals >= 0) values.add(text.slice(equals + 1));
  if (text.includes('\n')) for (const line of text.split(/\r?\n/)) addValue(values, line.trim());
}

/** Every scalar under `value`, as text. */
export function addStrings(values: Set<string>, value: unknown): void {
  const stack = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') addValue(values, item);
    else if (typeof item === 'number' || typeof item === 'boolean') values.add(String(item));
    else if (Array.isArray(item)) for (const child of item) stack.push(child);
    else if (isRecord(item)) for (const child of Object.values(item)) stack.push(child);
  }
}

/** Strings under secret-looking keys, anywhere in a tree. */
function addSensitive(values: Set<string>, value: unknown): void {
  const stack = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) for (const child of item) stack.push(child);
    else if (isRecord(item)) {
      for (const [key, child] of Object.entries(item)) {
        if (SENSITIVE_KEY.test(key)) addStrings(values, child);
        else stack.push(child);
      }
    }
  }
}

/** A small regular file's text, else undefined (missing, too large, not a regular file). */
export function readSmallFile(path: string): string | undefined {
  let descriptor: number | undefined;
  try {
    // O_NONBLOCK: opening a FIFO must never wait for a writer; it is skipped right after.
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(descriptor);
    if (!stat.isFile() || stat.size > MAX_HARVESTED_FILE_BYTES) return undefined;
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const count = readSync(descriptor, buffer, read, stat.size - read, read);
      if (count <= 0) break;
      read += count;
    }
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

export function parseQuietly(text: string, file: string): unknown[] {
  try {
    return parseDocuments(text, file);
  } catch {
    return [];
  }
}

/** Every document of a YAML stream; a malformed one throws an InputError in kubeward's words (file, line, kind of mistake, never the text). */
export function parseDocuments(text: string, file: string): unknown[] {
  return splitDocuments(text).map((document) => parseYamlDocument(document.text, { file, startLine: document.startLine }));
}

/** The values of Secret manifests (data decoded too) and of their annotations, in a YAML stream. */
export function addSecretObjects(values: Set<string>, documents: readonly unknown[]): void {
  const stack = [...documents];
  while (stack.length > 0) {
    const document = stack.pop();
    if (!isRecord(document)) continue;
    if (Array.isArray(document.items)) for (const item of document.items) stack.push(item);
    if (document.kind !== 'Secret') continue;
    addStrings(values, document.stringData);
    if (isRecord(document.data)) {
      for (const encoded of Object.values(document.data)) {
        if (typeof encoded !== 'string') continue;
        addValue(values, encoded);
        addValue(values, Buffer.from(encoded, 'base64').toString('utf8'));
      }
    }
    if (isRecord(document.metadata)) addStrings(values, document.metadata.annotations);
  }
}

export interface HelmSecretSources {
  values?: readonly string[];
  set?: readonly string[];
  setString?: readonly string[];
  setFile?: readonly string[];
}

/** What values files read from a chart's archive hold under secret-looking keys (`file`: where, for parse errors). */
export function addSensitiveValuesText(values: Set<string>, text: string, file: string): void {
  for (const document of parseQuietly(text, file)) addSensitive(values, document);
}

/** What a helm error may quote of the user's values. */
export function helmSecretValues(options: HelmSecretSources): Set<string> {
  const values = new Set<string>();
  for (const argument of [...(options.set ?? []), ...(options.setString ?? [])]) {
    values.add(argument);
    for (const part of argument.split(/(?<!\\),/)) addValue(values, part);
  }
  for (const argument of options.setFile ?? []) {
    const equals = argument.indexOf('=');
    const text = equals >= 0 ? readSmallFile(argument.slice(equals + 1)) : undefined;
    if (text !== undefined) addValue(values, text);
  }
  for (const file of options.values ?? []) {
    const text = readSmallFile(file);
    if (text !== undefined) addSensitiveValuesText(values, text, file);
  }
  return values;
}
