import jsYaml from 'js-yaml';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { InputError } from '../core/errors.js';
import { isKubeObject, isRecord, type KubeObject } from '../core/object.js';
import type { PathSegment, Provenance } from '../core/provenance.js';
import { FALLBACK, FAST_LOCATE_MAX_LINES, locateBlockYaml } from './locate.js';
import { KUBERNETES_SCHEMA } from './yaml-schema.js';

/**
 * YAML and JSON text to Kubernetes objects with line numbers.
 *
 * Speed: `js-yaml` parses about ten times faster than `yaml`'s document model, so it does the work.
 * Positions come from splitting the text into documents ourselves (document start lines), and
 * field lines are computed lazily with `yaml` only when a finding asks for one.
 *
 * Safety: js-yaml shares aliased nodes, so an alias bomb parses fast and explodes later, in whoever
 * walks it. Any document that may contain an anchor or alias is therefore parsed by `yaml`, whose
 * `maxAliasCount` refuses resource-exhaustion documents up front.
 */

export interface LoadedObject {
  object: KubeObject;
  provenance: Provenance;
}

export interface ParseResult {
  objects: LoadedObject[];
  warnings: string[];
}

export interface ParseOptions {
  /** How the file is named in messages and provenance. */
  file: string;
  origin?: Provenance['origin'];
  /** Line number of the text's first line within `file` (for text cut out of a larger stream). */
  firstLine?: number;
  /** Extra provenance for every object (template, source, hooks…). */
  extra?: Partial<Provenance>;
}

/** How many alias expansions one document may make: far above hand-written manifests, far below a bomb. */
const MAX_ALIAS_COUNT = 1000;

/** An anchor or alias can only start after whitespace, a flow indicator or `:` (a JSON-like key). */
const MAY_HAVE_ALIAS = /(?:^|[\s[{,:])[&*][^\s,[\]{}]/m;

interface RawDocument {
  text: string;
  /** 1-based line of the document's first line in the file. */
  startLine: number;
  /** 1-based line of its first significant (non-blank, non-comment) line. */
  contentLine: number;
}

/** Splits a YAML stream into documents on `---` and `...` markers at column 0 (the spec forbids them inside scalars). */
export function splitDocuments(text: string, firstLine = 1): RawDocument[] {
  const documents: RawDocument[] = [];
  const lines = text.split('\n');
  let start = 0;
  let contentLine = -1;
  let inDocument = false;
  const flush = (end: number) => {
    if (start < end) {
      const body = lines.slice(start, end).join('\n');
      if (contentLine >= 0) documents.push({ text: body, startLine: start + firstLine, contentLine: contentLine + firstLine });
    }
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.startsWith('---') && (line.length === 3 || line[3] === ' ' || line[3] === '\t' || line[3] === '\r')) {
      flush(index);
      // Content after the marker (`--- |`, `--- !tag`) belongs to the new document: keep the line, blank the marker.
      lines[index] = '   ' + line.slice(3);
      start = index;
      contentLine = /^\s*(#.*)?\r?$/.test(lines[index]) ? -1 : index;
      inDocument = true;
      continue;
    }
    if (line.startsWith('...') && (line.length === 3 || /^\.\.\.[\s]/.test(line))) {
      flush(index);
      start = index + 1;
      contentLine = -1;
      inDocument = false;
      continue;
    }
    if (line.startsWith('%') && !inDocument && contentLine < 0) {
      // A directive belongs to the next document's prologue; js-yaml does not need it.
      lines[index] = '';
      continue;
    }
    if (contentLine < 0 && !/^\s*(#.*)?\r?$/.test(line)) contentLine = index;
    inDocument = true;
  }
  flush(lines.length);
  return documents;
}

/** Parses a YAML (or JSON) stream into Kubernetes objects. Throws InputError with file and line on bad YAML. */
export function parseYamlStream(text: string, options: ParseOptions): ParseResult {
  const result: ParseResult = { objects: [], warnings: [] };
  for (const document of splitDocuments(text, options.firstLine ?? 1)) {
    const value = parseDocumentValue(document, options.file);
    collect(value, document, options, result);
  }
  return result;
}

/** Parses a JSON file: one object, a List, or an array of objects. */
export function parseJson(text: string, options: ParseOptions): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${options.file}:${jsonErrorLine(text, error)}: invalid JSON: ${jsonErrorReason(error)}`);
  }
  const result: ParseResult = { objects: [], warnings: [] };
  const document: RawDocument = { text, startLine: options.firstLine ?? 1, contentLine: options.firstLine ?? 1 };
  if (!Array.isArray(value)) {
    collect(value, document, options, result);
    return result;
  }
  // A JSON array of objects: each element is one; anything else in it is counted in one warning.
  let skipped = 0;
  value.forEach((item, index) => {
    if (isKubeObject(item) || (isRecord(item) && Array.isArray(item.items))) collect(item, document, options, result, [index]);
    else if (item !== null) skipped++;
  });
  if (skipped) result.warnings.push(`${options.file}: skipped ${skipped} element${skipped === 1 ? '' : 's'} of a JSON array that ${skipped === 1 ? 'is not a Kubernetes object' : 'are not Kubernetes objects'}`);
  return result;
}

function parseDocumentValue(document: RawDocument, file: string): unknown {
  if (MAY_HAVE_ALIAS.test(document.text)) return parseWithAliases(document, file);
  try {
    return jsYaml.load(document.text, { schema: KUBERNETES_SCHEMA, filename: file });
  } catch (error) {
    if (error instanceof jsYaml.YAMLException) {
      const line = document.startLine + (error.mark?.line ?? 0);
      throw new InputError(`${file}:${line}: invalid YAML: ${error.reason}`);
    }
    if (error instanceof RangeError) throw new InputError(`${file}:${document.contentLine}: invalid YAML: nesting too deep`);
    throw error;
  }
}

function parseWithAliases(document: RawDocument, file: string): unknown {
  const lineCounter = new LineCounter();
  const parsed = parseDocument(document.text, {
    lineCounter,
    version: '1.1',
    schema: 'yaml-1.1',
    // As sigs.k8s.io/yaml: timestamps stay strings, so drop the 1.1 timestamp tag.
    customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:timestamp'),
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const firstError = parsed.errors[0];
  if (firstError) {
    const line = document.startLine - 1 + (lineCounter.linePos(firstError.pos[0]).line || 1);
    throw new InputError(`${file}:${line}: invalid YAML: ${firstError.message.split('\n')[0]}`);
  }
  try {
    return parsed.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new InputError(`${file}:${document.contentLine}: refused YAML: ${(error as Error).message} (more than ${MAX_ALIAS_COUNT} alias expansions)`);
  }
}

function collect(value: unknown, document: RawDocument, options: ParseOptions, result: ParseResult, prefix: PathSegment[] = []): void {
  if (value === null || value === undefined) return;
  const locateInDocument = lazyLocator(document);
  const where = `${options.file}:${document.contentLine}`;
  if (isRecord(value) && Array.isArray(value.items) && typeof value.kind === 'string' && value.kind.endsWith('List')) {
    const list = value;
    value.items.forEach((item, index) => {
      const itemPath = [...prefix, 'items', index];
      inheritTypedListKind(item, list);
      if (!isKubeObject(item)) {
        result.warnings.push(`${where}: skipped items[${index}] of ${value.kind}: not a Kubernetes object`);
        return;
      }
      result.objects.push(loaded(item, options, document, (path) => locateInDocument([...itemPath, ...path])));
    });
    return;
  }
  if (!isKubeObject(value)) {
    result.warnings.push(`${where}: skipped a document that is not a Kubernetes object (no apiVersion and kind)`);
    return;
  }
  result.objects.push(loaded(value, options, document, prefix.length ? (path) => locateInDocument([...prefix, ...path]) : locateInDocument));
}

/**
 * Items of a typed list (`PodList`, `NamespaceList`, as the API server returns them) carry no kind
 * or apiVersion of their own: they are of the list's item kind and group, as client-go decodes them.
 */
function inheritTypedListKind(item: unknown, list: Record<string, unknown>): void {
  const listKind = list.kind as string;
  if (!isRecord(item) || listKind === 'List') return;
  if (item.kind === undefined) item.kind = listKind.slice(0, -'List'.length);
  if (item.apiVersion === undefined && typeof list.apiVersion === 'string') item.apiVersion = list.apiVersion;
}

function loaded(object: KubeObject, options: ParseOptions, document: RawDocument, locate: (path: readonly PathSegment[]) => number | undefined): LoadedObject {
  if (!isRecord(object.metadata)) object.metadata = {};
  return {
    object,
    provenance: { origin: options.origin ?? 'file', file: options.file, line: document.contentLine, ...options.extra, locate },
  };
}

/**
 * A locator answers the first time a finding asks for a field's line, then caches what it read:
 * scanning stays at js-yaml speed, only findings pay for positions. Block-style YAML is read by
 * indentation (locate.ts); anything else (flow collections on the way, anchors) by `yaml`'s parser.
 */
function lazyLocator(document: RawDocument): (path: readonly PathSegment[]) => number | undefined {
  let lines: string[] | undefined;
  let parsed: ((path: readonly PathSegment[]) => number | undefined) | undefined;
  let readable: boolean | undefined;
  return (path) => {
    // Reading by indentation scans from the top on every question: right for one object, wrong for a
    // dump of thousands in one List, where parsing once and walking the tree is linear.
    if (readable === undefined) {
      lines = document.text.split('\n');
      readable = lines.length <= FAST_LOCATE_MAX_LINES && !MAY_HAVE_ALIAS.test(document.text);
      if (!readable) lines = undefined;
    }
    if (lines) {
      const line = locateBlockYaml(lines, path);
      if (line !== FALLBACK) return document.startLine + line;
    }
    parsed ??= parserLocator(document.text);
    const line = parsed(path);
    return line === undefined ? undefined : document.startLine + line;
  };
}

/** A locator by `yaml`'s document model, parsed on first use: the 0-based line of the deepest existing field on a path. */
export function parserLocator(text: string): (path: readonly PathSegment[]) => number | undefined {
  let tree: { root: YamlNode | null; lines: LineCounter } | undefined;
  return (path) => {
    if (!tree) {
      const lines = new LineCounter();
      const parsed = parseDocument(text, { lineCounter: lines, schema: 'core' });
      tree = { root: parsed.contents as YamlNode | null, lines };
    }
    const offset = offsetOf(tree.root, path);
    return offset === undefined ? undefined : tree.lines.linePos(offset).line - 1;
  };
}

/** Offset of the deepest node on `path` that exists: the key of a mapping entry, the item of a list. */
function offsetOf(root: YamlNode | null, path: readonly PathSegment[]): number | undefined {
  let node: unknown = root;
  let offset = (root as { range?: [number, number, number] } | null)?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair || !isPair(pair)) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

/** The parser's reason without the quoted input it may echo (a Secret's value must never reach a message). */
function jsonErrorReason(error: unknown): string {
  return (error as Error).message.replace(/, ".*$/s, '').replace(/ in JSON at position.*$/s, '');
}

/** The line of a JSON syntax error: V8 does not always say where, so find the first bad byte ourselves. */
function jsonErrorLine(text: string, error: unknown): number {
  const match = /position (\d+)/.exec((error as Error).message);
  const position = match ? Number(match[1]) : firstJsonErrorOffset(text);
  let line = 1;
  for (let index = 0; index < position && index < text.length; index++) if (text.charCodeAt(index) === 10) line++;
  return line;
}

/**
 * Offset of the first syntax error in a JSON text (called only after JSON.parse failed). A small
 * iterative scanner: values, strings with escapes, numbers, literals, and the container stack.
 */
export function firstJsonErrorOffset(text: string): number {
  const stack: ('{' | '[')[] = [];
  // What may come next: a value, a key (or `}` right after `{`), `:`, or `,`/a closing bracket.
  let expect: 'value' | 'key' | 'colon' | 'separator' | 'end' = 'value';
  let index = 0;
  const skipSpace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index])) index++;
  };
  const afterValue = () => (stack.length ? 'separator' : 'end') as typeof expect;
  for (;;) {
    skipSpace();
    if (index >= text.length) return text.length;
    const char = text[index];
    if (expect === 'end') return index;
    if (expect === 'colon') {
      if (char !== ':') return index;
      index++;
      expect = 'value';
      continue;
    }
    if (expect === 'separator') {
      const top = stack[stack.length - 1];
      if (char === ',') {
        index++;
        expect = top === '{' ? 'key' : 'value';
        continue;
      }
      if ((char === '}' && top === '{') || (char === ']' && top === '[')) {
        index++;
        stack.pop();
        expect = afterValue();
        continue;
      }
      return index;
    }
    if (expect === 'key') {
      if (char === '}' && text[index - 1 - countSpaceBefore(text, index)] === '{') {
        index++;
        stack.pop();
        expect = afterValue();
        continue;
      }
      if (char !== '"') return index;
      const end = scanString(text, index);
      if (end < 0) return index;
      index = end;
      expect = 'colon';
      continue;
    }
    // A value.
    if (char === '{' || char === '[') {
      stack.push(char);
      index++;
      skipSpace();
      if (char === '[' && text[index] === ']') {
        index++;
        stack.pop();
        expect = afterValue();
      } else {
        expect = char === '{' ? 'key' : 'value';
      }
      continue;
    }
    if (char === '"') {
      const end = scanString(text, index);
      if (end < 0) return index;
      index = end;
      expect = afterValue();
      continue;
    }
    const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?)/.exec(text.slice(index, index + 400));
    if (!literal) return index;
    index += literal[0].length;
    expect = afterValue();
  }
}

function countSpaceBefore(text: string, index: number): number {
  let count = 0;
  while (index - 1 - count >= 0 && ' \t\n\r'.includes(text[index - 1 - count])) count++;
  return count;
}

/** End offset (exclusive) of the JSON string starting at `start`, or -1 when it is malformed. */
function scanString(text: string, start: number): number {
  for (let index = start + 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 34) return index + 1;
    if (code === 92) index++;
    else if (code < 32) return -1;
  }
  return -1;
}
