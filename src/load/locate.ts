import { sharedLength, type PathSegment } from '../core/provenance.js';

/**
 * The line of a field in block-style YAML, found by reading indentation instead of parsing.
 *
 * Kubernetes manifests are block mappings and sequences nearly everywhere, so a finding's field can
 * be located by walking the lines: keys of a mapping sit at the mapping's column, items of a sequence
 * start with `- ` at theirs. It answers what the `yaml` document model would answer (the key line of
 * the deepest field on the path that exists) at a fraction of the cost. Anything it does not read
 * with certainty (flow collections on the way, explicit keys, tags) returns FALLBACK, and the caller
 * asks the full parser.
 */

export const FALLBACK = Symbol('fallback');

/**
 * What a locator learnt of a document's structure, kept between questions: each node it walked
 * through remembers its keys, its items and their lines (see Span). Without it, every question on
 * a dump of 100,000 objects in one List would scan the whole list again; with it, a scan's findings
 * on one object read each of its lines about once.
 */
export class BlockIndex {
  /** The document's root node; null when the document has no content. */
  root?: Span | null;
  /** The lines and their indentation, measured on the first question. */
  lines?: Lines;
  /**
   * The last walk: the segments it went down, and the node it stood on and the line it had found
   * before each (one more than segments). Findings on one object ask paths that share most of
   * their start (`spec.template.spec.containers[0]…`): the next walk goes on from where they part.
   */
  walked: PathSegment[] = [];
  spans: Span[] = [];
  found: number[] = [];
}

/** The document's lines and each line's indentation, -1 for a blank or comment line: measured once, then every walk compares numbers. */
interface Lines {
  text: readonly string[];
  indents: Int32Array;
}

function indentsOf(lines: readonly string[]): Int32Array {
  const indents = new Int32Array(lines.length);
  for (let index = 0; index < lines.length; index++) indents[index] = isBlankOrComment(lines[index]) ? -1 : indentOf(lines[index]);
  return indents;
}

/**
 * A node's lines: content starts at `column` of line `first`; the node ends before line `end`. The
 * rest is learnt on the first question that needs it and kept on the node.
 */
interface Span {
  first: number;
  column: number;
  end: number;
  /** What the node's first line says it is. */
  shape?: Shape;
  /** The lines (their indices) at the node's column: a mapping's keys, a sequence's items. */
  rows?: number[];
  /** A mapping's entries by key, as far as read (`keysRead` rows), never past an explicit key (`? `): the first of a repeated key. */
  entries?: Map<string, Entry>;
  keysRead: number;
  /** The mapping has an explicit key, which this locator does not read: keys not found before it go to the parser. */
  explicitKey?: boolean;
  /** How many rows are sequence items (`- `) before the first that is not. */
  length?: number;
  items?: (Span | undefined)[];
}

/** A node not yet read (every field present from the start: one object shape for all nodes keeps the walk fast). */
function spanAt(first: number, column: number, end: number): Span {
  return { first, column, end, shape: undefined, rows: undefined, entries: undefined, keysRead: 0, explicitKey: undefined, length: undefined, items: undefined };
}

/** `flow`: a flow collection closed on its line; `other`: anything the locator does not read (tags, anchors, block scalars, multi-line flow). */
type Shape = 'flow' | 'other' | 'sequence' | 'mapping';

/** A mapping entry: the line of its key and what its value is (a block node, a flow collection, a scalar). */
interface Entry {
  keyLine: number;
  /** `fallback`: an anchor or a tag on the value. */
  kind: 'block' | 'flow' | 'scalar' | 'fallback';
  /** The value's node; for `block`, found on first use (null: an empty value). Set from the start (one object shape). */
  value: Span | null | undefined;
}

/** Returns the 0-based line of the deepest existing field on `path`, or FALLBACK. */
export function locateBlockYaml(lines: readonly string[], path: readonly PathSegment[], index = new BlockIndex()): number | typeof FALLBACK {
  const doc = (index.lines ??= { text: lines, indents: indentsOf(lines) });
  if (index.root === undefined) {
    const rootLine = nextContentLine(doc, 0, lines.length);
    index.root = rootLine < 0 ? null : spanAt(rootLine, doc.indents[rootLine], lines.length);
  }
  if (!index.root) return FALLBACK;
  const { walked, spans, found } = index;
  let depth = sharedLength(walked, path);
  if (depth === 0) {
    spans[0] = index.root;
    found[0] = index.root.first;
  }
  walked.length = depth;
  spans.length = found.length = depth + 1;
  let span = spans[depth];
  let line = found[depth];
  for (; depth < path.length; depth++) {
    const segment = path[depth];
    const shape = (span.shape ??= shapeOf(lines[span.first].slice(span.column)));
    // A flow collection on one line holds every field below it on that line: the answer, whatever the rest of the path.
    if (shape === 'flow') return span.first;
    if (shape === 'other') return FALLBACK;
    if (typeof segment === 'number') {
      if (shape !== 'sequence') return line;
      const item = sequenceItem(doc, span, segment);
      if (!item) return line;
      line = item.first;
      span = item;
    } else {
      if (shape === 'sequence') return line;
      const entry = mappingEntry(doc, span, segment);
      if (entry === FALLBACK) return FALLBACK;
      if (!entry) return line;
      line = entry.keyLine;
      const value = entryValue(doc, span, entry);
      // A scalar value: nothing below it, so the key is the deepest field that exists.
      if (!value) return line;
      span = value;
    }
    walked.push(segment);
    spans.push(span);
    found.push(line);
  }
  return line;
}

function shapeOf(text: string): Shape {
  if (/^[[{]/.test(text) && closesOnLine(text)) return 'flow';
  if (/^[[{!&*?|>]/.test(text)) return 'other';
  return /^-(\s|$)/.test(text) ? 'sequence' : 'mapping';
}

const KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s'"#][^#]*?))[ \t]*:(?=[ \t\r]|$)/;

/**
 * The entry `key` of the mapping in `span`, undefined when it has none, FALLBACK when the mapping is
 * not plainly readable. Keys are read in order up to the one asked for and kept: the next question
 * on the same mapping goes on from there (most findings ask for the first few keys of a node).
 */
function mappingEntry(doc: Lines, span: Span, key: string): Entry | undefined | typeof FALLBACK {
  const entries = (span.entries ??= new Map());
  let entry = entries.get(key);
  if (!entry) {
    const rows = rowsOf(doc, span);
    while (!entry && !span.explicitKey && span.keysRead < rows.length) {
      const index = rows[span.keysRead++];
      const line = doc.text[index];
      if (line.startsWith('?', span.column) && (line.length === span.column + 1 || line.charCodeAt(span.column + 1) === 32)) span.explicitKey = true;
      else entry = readEntry(line, index, span.column, entries, key);
    }
  }
  if (!entry) return span.explicitKey ? FALLBACK : undefined;
  return entry.kind === 'fallback' ? FALLBACK : entry;
}

/** Reads the key of the line `index`, at `column`, into `entries` (the first of a repeated key wins); returns its entry when it is `wanted`. */
function readEntry(line: string, index: number, column: number, entries: Map<string, Entry>, wanted: string): Entry | undefined {
  let name: string;
  // Where the key and its `:` end.
  let keyEnd: number;
  const colon = plainKeyColon(line, column);
  if (colon === NOT_PLAIN) {
    const match = KEY.exec(line.slice(column));
    // Not a key: a compact sequence item of the previous key (`- x` at the key column) or a continuation.
    if (!match) return undefined;
    name = match[1] !== undefined ? unescapeDouble(match[1]) : match[2] !== undefined ? match[2].replace(/''/g, "'") : match[3];
    keyEnd = column + match[0].length;
  } else {
    if (colon < 0) return undefined;
    name = trimEndBlanks(line.slice(column, colon));
    keyEnd = colon + 1;
  }
  if (entries.has(name)) return undefined;
  const after = line.slice(keyEnd);
  const rest = (after.includes('#') ? stripComment(after) : after).trim();
  const first = rest.charCodeAt(0);
  let entry: Entry;
  if (rest === '') entry = { keyLine: index, kind: 'block', value: undefined };
  else if (first === 38 /* & */ || first === 33 /* ! */) entry = { keyLine: index, kind: 'fallback', value: undefined };
  // A flow collection: a node starting at its bracket, which the walk hands to the full parser if it goes on.
  else if (first === 91 /* [ */ || first === 123 /* { */) entry = { keyLine: index, kind: 'flow', value: spanAt(index, keyEnd + (after.length - after.trimStart().length), index + 1) };
  // A scalar or a block scalar (`|`, `>`): nothing block-structured below it.
  else entry = { keyLine: index, kind: 'scalar', value: undefined };
  entries.set(name, entry);
  return name === wanted ? entry : undefined;
}

const NOT_PLAIN = -2;

/**
 * The `:` ending a plain key that starts at `column` (KEY's third form, read by character codes):
 * the first `:` followed by a blank or the end of the line, with no `#` before it; -1 when the line
 * holds no such key; NOT_PLAIN when the key starts with a quote or anything but a printable ASCII
 * character, which KEY reads.
 */
function plainKeyColon(line: string, column: number): number {
  const first = line.charCodeAt(column);
  if (first === 34 /* " */ || first === 39 /* ' */ || first <= 32 || first >= 127) return NOT_PLAIN;
  if (first === 35 /* # */) return -1;
  for (let index = column + 1; index < line.length; index++) {
    const char = line.charCodeAt(index);
    if (char === 35) return -1;
    if (char === 58 /* : */) {
      const next = line.charCodeAt(index + 1);
      if (index + 1 === line.length || next === 32 || next === 9 || next === 13) return index;
    }
  }
  return -1;
}

function trimEndBlanks(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** The node under an entry's key: deeper lines, or a compact sequence at the key's own column; found once. */
function entryValue(doc: Lines, span: Span, entry: Entry): Span | undefined {
  if (entry.kind === 'block' && entry.value === undefined) entry.value = blockValue(doc, entry.keyLine, span.column, span.end) ?? null;
  return entry.value ?? undefined;
}

function blockValue(doc: Lines, keyLine: number, keyColumn: number, end: number): Span | undefined {
  const { text: lines, indents } = doc;
  const first = nextContentLine(doc, keyLine + 1, end);
  if (first < 0) return undefined;
  const column = indents[first];
  const compactSequence = column === keyColumn && isItem(lines[first], column);
  if (column <= keyColumn && !compactSequence) return undefined;
  let last = first + 1;
  for (; last < end; last++) {
    const indent = indents[last];
    if (indent < 0 || indent > keyColumn) continue;
    if (compactSequence && indent === keyColumn && isItem(lines[last], indent)) continue;
    break;
  }
  return spanAt(first, column, last);
}

/** Item `position` of the sequence in `span`; its content may start on the dash line or below it. Found once. */
function sequenceItem(doc: Lines, span: Span, position: number): Span | undefined {
  // The items are the lines at the column up to the first that is not `- `; the n-th is read directly.
  if (position >= sequenceLength(doc, span)) return undefined;
  span.items ??= [];
  return (span.items[position] ??= readItem(doc, span, rowsOf(doc, span)[position]));
}

function readItem(doc: Lines, span: Span, index: number): Span {
  const column = span.column;
  let end = index + 1;
  for (; end < span.end; end++) {
    const indent = doc.indents[end];
    if (indent >= 0 && indent <= column) break;
  }
  const afterDash = doc.text[index].slice(column + 1);
  const content = afterDash.trimStart();
  if (content === '' || content.startsWith('#')) {
    const first = nextContentLine(doc, index + 1, end);
    return first < 0 ? spanAt(index, column + 1, index + 1) : spanAt(first, doc.indents[first], end);
  }
  return spanAt(index, column + 1 + (afterDash.length - content.length), end);
}

/** How many of the lines at a span's column are sequence items (`- `) before the first that is not. */
function sequenceLength(doc: Lines, span: Span): number {
  if (span.length === undefined) {
    const rows = rowsOf(doc, span);
    let length = 0;
    while (length < rows.length && isItem(doc.text[rows[length]], span.column)) length++;
    span.length = length;
  }
  return span.length;
}

/** The lines of a span that start at its column (its keys, or its items), from the first line of its content; deeper lines are skipped. */
function rowsOf(doc: Lines, span: Span): number[] {
  if (span.rows) return span.rows;
  const found: number[] = [];
  for (let index = span.first; index < span.end; index++) {
    const indent = doc.indents[index];
    if (index !== span.first && indent < 0) continue;
    const column = index === span.first ? span.column : indent;
    if (column < span.column) break;
    if (column === span.column) found.push(index);
  }
  span.rows = found;
  return found;
}

/** Whether the line holds a sequence item (`- ` or a lone `-`) at `column`. */
function isItem(line: string, column: number): boolean {
  return line.charCodeAt(column) === 45 /* - */ && (line.length === column + 1 || /\s/.test(line[column + 1]));
}

/** Whether the flow collection opening `text` closes on the same line (brackets balanced outside quotes). */
function closesOnLine(text: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quote) {
      if (char === '\\' && quote === '"') index++;
      else if (char === quote) {
        // '' is an escaped quote inside a single-quoted scalar.
        if (quote === "'" && text[index + 1] === "'") index++;
        else quote = undefined;
      }
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '{') depth++;
    else if (char === ']' || char === '}') {
      if (--depth === 0) return true;
    }
  }
  return false;
}

function nextContentLine(doc: Lines, from: number, end: number): number {
  for (let index = from; index < end; index++) if (doc.indents[index] >= 0) return index;
  return -1;
}

function isBlankOrComment(line: string): boolean {
  for (let index = 0; index < line.length; index++) {
    const char = line.charCodeAt(index);
    if (char === 32 || char === 9 || char === 13) continue;
    return char === 35; // '#'
  }
  return true;
}

function indentOf(line: string): number {
  let index = 0;
  while (index < line.length && line.charCodeAt(index) === 32) index++;
  return index;
}

function stripComment(text: string): string {
  const hash = text.search(/(^|\s)#/);
  return hash < 0 ? text : text.slice(0, hash);
}

function unescapeDouble(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}
