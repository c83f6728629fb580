import type { LineCounter, Node as YamlNode } from 'yaml';
import { InputError } from '../core/errors.js';
import { isKubeObject, isRecord, notKubeObjectReason, type KubeObject } from '../core/object.js';
import type { PathSegment, Provenance } from '../core/provenance.js';
import { BlockIndex, FALLBACK, locateBlockYaml } from './locate.js';
import { jsonLocator } from './locate-json.js';
import { expansionBudget, mayHaveAlias, parseYamlDocument, parseYamlRun, yaml } from './yaml-document.js';

/**
 * YAML and JSON text to Kubernetes objects with line numbers.
 *
 * Each document is parsed by parseYamlDocument (yaml-document.ts: js-yaml's speed where nothing can
 * expand, alias expansion bounded as Kubernetes bounds it, errors that never quote the input), or with
 * the documents around it in one js-yaml call where that reads it the same (parseYamlRun).
 * Positions come from splitting the text into documents ourselves (document start lines), and
 * field lines are computed lazily with `yaml` only when a finding asks for one.
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
  /** At most this many objects (a render's --max-render-objects, a List's items too): one more throws what `tooMany` makes. */
  limit?: { objects: number; tooMany: () => Error };
}

interface RawDocument {
  text: string;
  /** 1-based line of the document's first line in the file. */
  startLine: number;
  /** 1-based line of its first significant (non-blank, non-comment) line. */
  contentLine: number;
  /** Where `text` starts in the stream, when it is a slice of it (not for a document opened on its marker line, or after directives). */
  offset?: number;
}

/**
 * Splits a YAML stream into documents on `---` and `...` markers at column 0 (the spec forbids them
 * inside scalars). A document's text is a slice of the stream, never a copy: lines are found with
 * indexOf, and only a document's first lines (up to its first content) are looked at as strings.
 */
export function splitDocuments(text: string, firstLine = 1): RawDocument[] {
  const documents: RawDocument[] = [];
  // The lines of the document being read: from line `start` at offset `startOffset`.
  let start = 0;
  let startOffset = 0;
  let contentLine = -1;
  let inDocument = false;
  // A `---` line with content after the marker (`--- |`, `--- !tag`) opens the document: it keeps that line, the marker blanked.
  let markerLine = false;
  // Directive lines before a document's content, blanked: js-yaml does not need them.
  let directives: number[] = [];
  /** The lines from `start` up to line `end`, which starts at `endOffset` (its line break excluded). */
  const flush = (end: number, endOffset: number) => {
    if (start < end && contentLine >= 0) {
      const startLine = start + firstLine;
      if (markerLine) documents.push({ text: `   ${text.slice(startOffset + 3, endOffset)}`, startLine, contentLine: contentLine + firstLine });
      else if (directives.length) documents.push({ text: blankLines(text.slice(startOffset, endOffset), start, directives), startLine, contentLine: contentLine + firstLine });
      else documents.push({ text: text.slice(startOffset, endOffset), startLine, contentLine: contentLine + firstLine, offset: startOffset });
    }
    markerLine = false;
    directives = [];
  };
  let index = 0;
  for (let offset = 0; offset <= text.length; index++) {
    const newline = text.indexOf('\n', offset);
    const end = newline < 0 ? text.length : newline;
    const first = text.charCodeAt(offset);
    if (first === 45 /* - */ && isMarker(text, offset, end, '---', /[ \t\r]/)) {
      flush(index, offset - 1);
      const rest = text.slice(offset + 3, end);
      inDocument = true;
      if (isBlankOrComment(rest)) {
        // Nothing but the marker: the document starts on the next line.
        start = index + 1;
        startOffset = end + 1;
        contentLine = -1;
      } else {
        start = index;
        startOffset = offset;
        contentLine = index;
        markerLine = true;
      }
    } else if (first === 46 /* . */ && isMarker(text, offset, end, '...', /\s/)) {
      flush(index, offset - 1);
      start = index + 1;
      startOffset = end + 1;
      contentLine = -1;
      inDocument = false;
    } else if (first === 37 /* % */ && !inDocument && contentLine < 0) {
      // A directive belongs to the next document's prologue.
      directives.push(index);
    } else {
      if (contentLine < 0 && !isBlankOrComment(text.slice(offset, end))) contentLine = index;
      inDocument = true;
    }
    offset = end + 1;
  }
  flush(index, text.length);
  return documents;
}

/** Whether the line from `offset` to `end` is the marker, alone or followed by a character `after`. */
function isMarker(text: string, offset: number, end: number, marker: string, after: RegExp): boolean {
  return text.startsWith(marker, offset) && (end - offset === 3 || after.test(text[offset + 3]));
}

function isBlankOrComment(line: string): boolean {
  return /^\s*(#.*)?\r?$/.test(line);
}

/** The text with the given lines (numbered from `firstIndex`) made empty. */
function blankLines(text: string, firstIndex: number, blank: readonly number[]): string {
  return text
    .split('\n')
    .map((line, index) => (blank.includes(firstIndex + index) ? '' : line))
    .join('\n');
}

/**
 * Parses a YAML (or JSON) stream into Kubernetes objects. Throws InputError with file and line on bad YAML.
 *
 * Documents that follow each other with a bare `---` between them are read by one js-yaml call
 * (parseYamlRun): js-yaml reading them one by one costs a parser state and a copy of each document's
 * text per call, and the garbage collector's work for them (a tenth of the parse of the 10,000-object
 * bench mix). The run's text is the documents and their markers as they stand in the stream, and
 * js-yaml splits it on the same `---` lines as splitDocuments: its documents are ours, one to one.
 * A run that js-yaml refuses (or splits otherwise) is read again document by document, so that every
 * error is the one that document alone gives.
 */
export function parseYamlStream(text: string, options: ParseOptions): ParseResult {
  const result: ParseResult = { objects: [], warnings: [] };
  const budget = expansionBudget();
  const indexed: IndexedDocument = { document: undefined, index: undefined };
  const documents = splitDocuments(text, options.firstLine ?? 1);
  for (let first = 0; first < documents.length; ) {
    const end = runEnd(text, documents, first);
    const values = end - first > 1 ? parseYamlRun(text.slice(documents[first].offset, documents[end - 1].offset! + documents[end - 1].text.length), end - first, options.file) : undefined;
    for (let at = first; at < end; at++) {
      const document = documents[at];
      const value = values ? values[at - first] : parseYamlDocument(document.text, { file: options.file, startLine: document.startLine, contentLine: document.contentLine, budget });
      collect(value, document, options, result, lazyLocator(document, false, indexed));
    }
    first = end;
  }
  return result;
}

/**
 * Where the run of documents starting at `first` ends (exclusive). A run holds documents that are
 * slices of the stream without an anchor or alias (those are read with the expansion budget), each
 * after the previous one's last line and a line holding `---` alone, and each of which js-yaml reads
 * in the run exactly as on its own:
 * - the document before a marker does not end with an empty line: on its own, js-yaml would read no
 *   line break after it (a `|+` block scalar there keeps its trailing line breaks);
 * - a document after a marker does not start with a byte order mark, which js-yaml drops only at the
 *   start of its text.
 * (A document whose first line starts with `%` fails either way: on its own, a directive that no
 * marker follows; in a run, content that no node starts with. The run is then read document by document.)
 */
function runEnd(text: string, documents: readonly RawDocument[], first: number): number {
  if (!inRun(documents[first])) return first + 1;
  let end = first + 1;
  while (end < documents.length && followsInRun(text, documents[end - 1], documents[end])) end++;
  return end;
}

function inRun(document: RawDocument): boolean {
  return document.offset !== undefined && !mayHaveAlias(document.text);
}

function followsInRun(text: string, before: RawDocument, after: RawDocument): boolean {
  return inRun(after) && before.text.charCodeAt(before.text.length - 1) !== 10 && after.text.charCodeAt(0) !== 0xfeff && bareMarkerBetween(text, before, after);
}

/** Whether nothing but a line holding `---` (LF or CRLF) stands between two documents of a stream. */
function bareMarkerBetween(text: string, before: RawDocument, after: RawDocument): boolean {
  // The line break ending `before`'s last line, then the marker line.
  const at = before.offset! + before.text.length;
  const gap = after.offset! - at;
  return (gap === 5 || (gap === 6 && text.charCodeAt(at + 4) === 13)) && text.startsWith('\n---', at) && text.charCodeAt(after.offset! - 1) === 10;
}

/** Parses a JSON file: one object, a List, or an array of objects. */
export function parseJson(text: string, options: ParseOptions): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new InputError(jsonErrorMessage(text, options.file));
  }
  const result: ParseResult = { objects: [], warnings: [] };
  const document: RawDocument = { text, startLine: options.firstLine ?? 1, contentLine: options.firstLine ?? 1 };
  const locate = lazyLocator(document, true);
  if (!Array.isArray(value)) {
    collect(value, document, options, result, locate);
    return result;
  }
  // A JSON array of objects: each element is one; anything else in it is counted in one warning.
  let skipped = 0;
  value.forEach((item, index) => {
    if (isKubeObject(item) || (isRecord(item) && Array.isArray(item.items))) collect(item, document, options, result, locate, [index]);
    else if (item !== null) skipped++;
  });
  if (skipped) result.warnings.push(`${options.file}: skipped ${skipped} element${skipped === 1 ? '' : 's'} of a JSON array that ${skipped === 1 ? 'is not a Kubernetes object' : 'are not Kubernetes objects'}`);
  return result;
}

type Locator = (path: readonly PathSegment[]) => number | undefined;

function collect(value: unknown, document: RawDocument, options: ParseOptions, result: ParseResult, locateInDocument: Locator, prefix: PathSegment[] = []): void {
  if (value === null || value === undefined) return;
  if (isRecord(value) && Array.isArray(value.items) && typeof value.kind === 'string' && value.kind.endsWith('List')) {
    const list = value;
    value.items.forEach((item, index) => {
      const itemPath = [...prefix, 'items', index];
      inheritTypedListKind(item, list);
      const reason = notKubeObjectReason(item);
      if (reason !== undefined) {
        result.warnings.push(`${options.file}:${document.contentLine}: skipped items[${index}] of ${value.kind}: not a Kubernetes object${reason.startsWith('metadata') ? ` (${reason})` : ''}`);
        return;
      }
      checkLimit(result, options);
      result.objects.push(loaded(item, options, document, (path) => locateInDocument([...itemPath, ...path])));
    });
    return;
  }
  const reason = notKubeObjectReason(value);
  if (reason !== undefined) {
    result.warnings.push(`${options.file}:${document.contentLine}: skipped a document that is not a Kubernetes object (${reason})`);
    return;
  }
  checkLimit(result, options);
  result.objects.push(loaded(value as KubeObject, options, document, prefix.length ? (path) => locateInDocument([...prefix, ...path]) : locateInDocument));
}

function checkLimit(result: ParseResult, options: ParseOptions): void {
  if (options.limit && result.objects.length >= options.limit.objects) throw options.limit.tooMany();
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
  // Without extra provenance (files, stdin), one object literal: a spread, even of nothing, copies property by property.
  const provenance: Provenance = options.extra
    ? { origin: options.origin ?? 'file', file: options.file, line: document.contentLine, ...options.extra, locate }
    : { origin: options.origin ?? 'file', file: options.file, line: document.contentLine, locate };
  return { object, provenance };
}

/**
 * The block index of the document of a stream asked last, shared by the stream's locators: findings
 * come object after object, so a document's index serves all of its findings and is then reset for
 * the next document (its arrays written over), instead of every index of the stream living as long
 * as the objects (a document asked again later is indexed again).
 */
interface IndexedDocument {
  document: RawDocument | undefined;
  index: BlockIndex | undefined;
}

/**
 * A locator answers the first time a finding asks for a field's line, then keeps what it learnt:
 * scanning stays at js-yaml speed, only findings pay for positions. JSON is read by its own scanner
 * (locate-json.ts), block-style YAML by indentation (locate.ts), both indexing each container once, so
 * a dump of 100,000 objects costs one pass; anything else (flow collections on the way, anchors) is
 * read by `yaml`'s parser.
 */
function lazyLocator(document: RawDocument, json = false, indexed: IndexedDocument = { document: undefined, index: undefined }): (path: readonly PathSegment[]) => number | undefined {
  let fast: ((path: readonly PathSegment[]) => number | typeof FALLBACK) | undefined;
  let parsed: ((path: readonly PathSegment[]) => number | undefined) | undefined;
  return (path) => {
    if (!fast) {
      if (json) {
        fast = jsonLocator(document.text);
      } else if (mayHaveAlias(document.text)) {
        fast = () => FALLBACK;
      } else {
        fast = (at) => {
          const index = (indexed.index ??= new BlockIndex());
          if (indexed.document !== document) {
            indexed.document = document;
            index.reset();
          }
          return locateBlockYaml(document.text, at, index);
        };
      }
    }
    const line = fast(path);
    if (line !== FALLBACK) return document.startLine + line;
    parsed ??= parserLocator(document.text);
    const found = parsed(path);
    return found === undefined ? undefined : document.startLine + found;
  };
}

/**
 * A locator for a file that is one YAML document (Chart.yaml): the 0-based line of the deepest
 * existing field on a path, by indentation where it can (locate.ts), by `yaml`'s parser otherwise.
 */
export function documentLocator(text: string): (path: readonly PathSegment[]) => number | undefined {
  // Its first document, split as a stream's are (a leading `---` is not content), lines counted from 0.
  return lazyLocator(splitDocuments(text, 0)[0] ?? { text, startLine: 0, contentLine: 0 });
}

/** A locator by `yaml`'s document model, parsed on first use: the 0-based line of the deepest existing field on a path. */
export function parserLocator(text: string): (path: readonly PathSegment[]) => number | undefined {
  let tree: { root: YamlNode | null; lines: LineCounter } | undefined;
  return (path) => {
    if (!tree) {
      const lines = new (yaml().LineCounter)();
      const parsed = yaml().parseDocument(text, { lineCounter: lines, schema: 'core' });
      tree = { root: parsed.contents as YamlNode | null, lines };
    }
    const offset = offsetOf(tree.root, path);
    return offset === undefined ? undefined : tree.lines.linePos(offset).line - 1;
  };
}

/** Offset of the deepest node on `path` that exists: the key of a mapping entry, the item of a list. */
function offsetOf(root: YamlNode | null, path: readonly PathSegment[]): number | undefined {
  const { isMap, isPair, isScalar, isSeq } = yaml();
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

/** Where and why JSON.parse failed, found by kubeward's own scanner: V8's message quotes the input around the error, and the input may be a Secret. */
function jsonErrorMessage(text: string, file: string): string {
  const { offset, reason } = jsonSyntaxError(text);
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return `${file}:${line}: invalid JSON: ${reason} (column ${offset - lineStart + 1})`;
}

/**
 * The first syntax error in a JSON text (called only after JSON.parse failed): its offset and what
 * is wrong, in words that never quote the input. A small iterative scanner: values, strings with
 * escapes, numbers, literals, and the container stack.
 */
export function jsonSyntaxError(text: string): { offset: number; reason: string } {
  const stack: ('{' | '[')[] = [];
  // What may come next: a value, a key (or `}` right after `{`), `:`, or `,`/a closing bracket.
  let expect: 'value' | 'key' | 'colon' | 'separator' | 'end' = 'value';
  let index = 0;
  const fail = (reason: string) => ({ offset: index, reason });
  const skipSpace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index])) index++;
  };
  const afterValue = () => (stack.length ? 'separator' : 'end') as typeof expect;
  /** Moves past a string; on a fault, stays at it and returns what is wrong. */
  const string = (): string | undefined => {
    const scanned = scanString(text, index);
    index = scanned.offset;
    return scanned.fault;
  };
  for (;;) {
    skipSpace();
    if (index >= text.length) return expect === 'end' ? { offset: text.length, reason: 'malformed JSON' } : fail('unexpected end of input');
    const char = text[index];
    if (expect === 'end') return fail('unexpected text after the value');
    if (expect === 'colon') {
      if (char !== ':') return fail("expected ':' after a property name");
      index++;
      expect = 'value';
      continue;
    }
    if (expect === 'separator') {
      const top = stack[stack.length - 1];
      if (char === ',') {
        index++;
        expect = top === '{' ? 'key' : 'value';
        skipSpace();
        if (text[index] === '}' || text[index] === ']') return fail('a trailing comma');
        continue;
      }
      if ((char === '}' && top === '{') || (char === ']' && top === '[')) {
        index++;
        stack.pop();
        expect = afterValue();
        continue;
      }
      return fail(top === '{' ? "expected ',' or '}' after a property value" : "expected ',' or ']' after an array element");
    }
    if (expect === 'key') {
      if (char === '}' && text[index - 1 - countSpaceBefore(text, index)] === '{') {
        index++;
        stack.pop();
        expect = afterValue();
        continue;
      }
      if (char !== '"') return fail('expected a property name in double quotes');
      const problem = string();
      if (problem) return fail(problem);
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
      const problem = string();
      if (problem) return fail(problem);
      expect = afterValue();
      continue;
    }
    const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?)/.exec(text.slice(index, index + 400));
    if (!literal) return fail('expected a value (an object, array, string, number, true, false or null)');
    index += literal[0].length;
    expect = afterValue();
  }
}

function countSpaceBefore(text: string, index: number): number {
  let count = 0;
  while (index - 1 - count >= 0 && ' \t\n\r'.includes(text[index - 1 - count])) count++;
  return count;
}

/** The end (exclusive) of the JSON string starting at `start`, or the offset of its first fault and what it is. */
function scanString(text: string, start: number): { offset: number; fault?: string } {
  for (let index = start + 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 34) return { offset: index + 1 };
    if (code < 32) return { offset: index, fault: 'a control character in a string' };
    if (code !== 92) continue;
    const escape = text[index + 1];
    if (escape === 'u') {
      if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) return { offset: index, fault: 'a bad \\u escape in a string' };
      index += 5;
    } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
      index++;
    } else if (escape !== undefined) {
      return { offset: index, fault: 'a bad escape in a string' };
    }
  }
  return { offset: start, fault: 'an unterminated string' };
}
