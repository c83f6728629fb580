import jsYaml from 'js-yaml';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { InputError } from '../core/errors.js';
import { isKubeObject, isRecord, type KubeObject } from '../core/object.js';
import type { PathSegment, Provenance } from '../core/provenance.js';

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
    throw new InputError(`${options.file}:${jsonErrorLine(text, error)}: invalid JSON: ${(error as Error).message}`);
  }
  const result: ParseResult = { objects: [], warnings: [] };
  const document: RawDocument = { text, startLine: options.firstLine ?? 1, contentLine: options.firstLine ?? 1 };
  const values = Array.isArray(value) ? value : [value];
  values.forEach((item, index) => {
    const prefix: PathSegment[] = Array.isArray(value) ? [index] : [];
    collect(item, document, options, result, prefix);
  });
  return result;
}

function parseDocumentValue(document: RawDocument, file: string): unknown {
  if (MAY_HAVE_ALIAS.test(document.text)) return parseWithAliases(document, file);
  try {
    return jsYaml.load(document.text, { schema: jsYaml.CORE_SCHEMA, filename: file });
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
  const parsed = parseDocument(document.text, { lineCounter, schema: 'core', merge: true, uniqueKeys: true, prettyErrors: false });
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
    value.items.forEach((item, index) => {
      const itemPath = [...prefix, 'items', index];
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

function loaded(object: KubeObject, options: ParseOptions, document: RawDocument, locate: (path: readonly PathSegment[]) => number | undefined): LoadedObject {
  if (!isRecord(object.metadata)) object.metadata = {};
  return {
    object,
    provenance: { origin: options.origin ?? 'file', file: options.file, line: document.contentLine, ...options.extra, locate },
  };
}

/**
 * A locator parses the document with `yaml` the first time a field's line is asked for and
 * caches the tree: scanning stays at js-yaml speed, only findings pay for positions.
 */
function lazyLocator(document: RawDocument): (path: readonly PathSegment[]) => number | undefined {
  let tree: { root: YamlNode | null; lines: LineCounter } | undefined;
  return (path) => {
    if (!tree) {
      const lines = new LineCounter();
      const parsed = parseDocument(document.text, { lineCounter: lines, schema: 'core' });
      tree = { root: parsed.contents as YamlNode | null, lines };
    }
    const offset = offsetOf(tree.root, path);
    if (offset === undefined) return undefined;
    return document.startLine - 1 + tree.lines.linePos(offset).line;
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

function jsonErrorLine(text: string, error: unknown): number {
  const match = /position (\d+)/.exec((error as Error).message);
  if (!match) return 1;
  const position = Number(match[1]);
  let line = 1;
  for (let index = 0; index < position && index < text.length; index++) if (text.charCodeAt(index) === 10) line++;
  return line;
}
