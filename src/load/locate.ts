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
  /** Where the lines start and their indentation, measured on the first question. */
  lines?: Lines;
  /**
   * The last walk: the segments it went down (the first `depth` of `walked`), and the node it stood
   * on and the line it had found before each (`depth + 1` of `spans` and `found`). Findings on one
   * object ask paths that share most of their start (`spec.template.spec.containers[0]…`): the next
   * walk goes on from where they part. The arrays are written over, never shortened (shortening
   * gives up their memory, and the next walk allocates it again).
   */
  walked: PathSegment[] = [];
  spans: Span[] = [];
  found: number[] = [];
  depth = 0;

  /**
   * Forgets the document, to index another with the same arrays: a stream's documents are asked
   * about one after another (see yaml.ts), and a scan of the 10,000-object bench mix indexes
   * thousands of them (new arrays for each were 3 MB of garbage per scan of it).
   */
  reset(): void {
    this.root = undefined;
    if (this.lines) this.lines.stale = true;
    this.depth = 0;
  }
}

/**
 * The document's lines as offsets into its text (never split into strings: a walk reads a few
 * characters of the lines it passes) and each line's indentation, -1 for a blank or comment line:
 * measured once, then every walk compares numbers.
 */
interface Lines {
  text: string;
  /** How many lines (`\n`-separated, the last one possibly empty). */
  count: number;
  /** Where line `i` starts; `starts[count]` is one past the text's end, so line `i` ends (before its `\n`) at `starts[i + 1] - 1`. Entries past that are left over from a longer document measured before. */
  starts: number[];
  indents: number[];
  /** Measured for a document the index has since forgotten (BlockIndex.reset): the arrays are there to be written over. */
  stale: boolean;
}

/**
 * One pass over the text, each line read once: its indentation and first character that is not blank
 * by character codes, its end by indexOf. Plain arrays of small integers, grown as the lines come
 * (typed arrays of a document's size needed a first pass to count the lines, and memory outside the
 * heap), or written over when `reuse` holds those of a document measured before.
 */
function linesOf(text: string, reuse?: Lines): Lines {
  const starts = reuse?.starts ?? [];
  const indents = reuse?.indents ?? [];
  const length = text.length;
  let count = 0;
  let at = 0;
  for (;;) {
    const start = at;
    starts[count] = start;
    while (at < length && text.charCodeAt(at) === 32) at++;
    let indent = at - start;
    // The first character that is not blank (a tab, a carriage return, a space after a tab), 10 at the line's end.
    let char = at < length ? text.charCodeAt(at) : 10;
    while (char === 32 || char === 9 || char === 13) char = ++at < length ? text.charCodeAt(at) : 10;
    // Only blanks, perhaps a comment: -1.
    if (char === 10 || char === 35 /* # */) indent = -1;
    indents[count++] = indent;
    if (char !== 10) {
      at = text.indexOf('\n', at);
      if (at < 0) at = length;
    }
    if (at >= length) break;
    at++;
  }
  starts[count] = length + 1;
  if (!reuse) return { text, count, starts, indents, stale: false };
  reuse.text = text;
  reuse.count = count;
  reuse.stale = false;
  return reuse;
}

/** Where line `line` ends: its `\n`, or the end of the text. */
function lineEnd(doc: Lines, line: number): number {
  return doc.starts[line + 1] - 1;
}

/** The character at `offset` of a line ending at `end`; NaN past it (as charCodeAt past a string's end). */
function charAt(text: string, offset: number, end: number): number {
  return offset < end ? text.charCodeAt(offset) : NaN;
}

/** Whether a character is white space as `\s` and String.prototype.trim read it. */
function isSpace(char: number): boolean {
  if (char < 128) return char === 32 || (char >= 9 && char <= 13);
  return /\s/.test(String.fromCharCode(char));
}

/** The first offset from `from` before `end` that is not white space (`end` when none). */
function skipSpace(text: string, from: number, end: number): number {
  let index = from;
  while (index < end && isSpace(text.charCodeAt(index))) index++;
  return index;
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
  /**
   * A mapping of more than FEW_KEYS rows: its entries by key, as far as read (`keysRead` rows), never
   * past an explicit key (`? `): the first of a repeated key.
   */
  entries?: Map<string, Entry>;
  keysRead: number;
  /** A mapping of a few rows: the entries asked for so far (a chain through `next`); the other keys are compared in place, never cut out. */
  asked?: Entry;
  /** The mapping has an explicit key, which this locator does not read: keys not found before it go to the parser. */
  explicitKey?: boolean;
  /** How many rows are sequence items (`- `) before the first that is not. */
  length?: number;
  items?: (Span | undefined)[];
}

/** A node not yet read (every field present from the start: one object shape for all nodes keeps the walk fast). */
function spanAt(first: number, column: number, end: number): Span {
  return { first, column, end, shape: undefined, rows: undefined, entries: undefined, keysRead: 0, asked: undefined, explicitKey: undefined, length: undefined, items: undefined };
}

/** `flow`: a flow collection closed on its line; `other`: anything the locator does not read (tags, anchors, block scalars, multi-line flow). */
type Shape = 'flow' | 'other' | 'sequence' | 'mapping';

/** A mapping entry: its key, the line of its key and what its value is (a block node, a flow collection, a scalar). */
interface Entry {
  name: string;
  /** The entry asked for before it, in a mapping of a few rows (Span.asked). */
  next: Entry | undefined;
  keyLine: number;
  /** `fallback`: an anchor or a tag on the value. */
  kind: 'block' | 'flow' | 'scalar' | 'fallback';
  /** The value's node; for `block`, found on first use (null: an empty value). Set from the start (one object shape). */
  value: Span | null | undefined;
}

/** Returns the 0-based line of the deepest existing field on `path`, or FALLBACK. */
export function locateBlockYaml(text: string, path: readonly PathSegment[], index = new BlockIndex()): number | typeof FALLBACK {
  const doc = index.lines && !index.lines.stale ? index.lines : (index.lines = linesOf(text, index.lines));
  if (index.root === undefined) {
    const rootLine = nextContentLine(doc, 0, doc.count);
    index.root = rootLine < 0 ? null : spanAt(rootLine, doc.indents[rootLine], doc.count);
  }
  if (!index.root) return FALLBACK;
  const { walked, spans, found } = index;
  // Where this path parts from the last walk.
  let depth = sharedLength(walked, path, index.depth);
  if (depth === 0) {
    spans[0] = index.root;
    found[0] = index.root.first;
  }
  index.depth = depth;
  let span = spans[depth];
  let line = found[depth];
  for (; depth < path.length; depth++) {
    const segment = path[depth];
    const shape = (span.shape ??= shapeOf(doc, span.first, span.column));
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
    walked[depth] = segment;
    spans[depth + 1] = span;
    found[depth + 1] = line;
    index.depth = depth + 1;
  }
  return line;
}

/** What the node starting at `column` of `line` is, by its first characters. */
function shapeOf(doc: Lines, line: number, column: number): Shape {
  const { text } = doc;
  const start = doc.starts[line] + column;
  const end = lineEnd(doc, line);
  const first = charAt(text, start, end);
  if ((first === 91 /* [ */ || first === 123) /* { */ && closesOnLine(text, start, end)) return 'flow';
  // [ { ! & * ? | >
  if (first === 91 || first === 123 || first === 33 || first === 38 || first === 42 || first === 63 || first === 124 || first === 62) return 'other';
  return first === 45 /* - */ && (start + 1 >= end || isSpace(text.charCodeAt(start + 1))) ? 'sequence' : 'mapping';
}

const KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s'"#][^#]*?))[ \t]*:(?=[ \t\r]|$)/;

/**
 * The entry `key` of the mapping in `span`, undefined when it has none, FALLBACK when the mapping is
 * not plainly readable (an explicit key before it).
 */
function mappingEntry(doc: Lines, span: Span, key: string): Entry | undefined | typeof FALLBACK {
  const rows = rowsOf(doc, span);
  const entry = rows.length > FEW_KEYS ? indexedEntry(doc, span, rows, key) : askedEntry(doc, span, rows, key);
  if (entry === FALLBACK || entry === undefined) return entry;
  return entry.kind === 'fallback' ? FALLBACK : entry;
}

/**
 * How many rows a mapping may have to be read afresh for each key asked (most have a handful: a
 * container's, a pod spec's), its keys compared in place; a longer one (labels, a ConfigMap's data)
 * is indexed as it is read. Cutting every key out and indexing it was two thirds of the garbage of
 * locating a scan's findings, for keys no finding asks about.
 */
const FEW_KEYS = 16;

/** The entry `key` of a mapping of a few rows: asked before, else found by reading its rows from the first (the first of a repeated key). */
function askedEntry(doc: Lines, span: Span, rows: readonly number[], key: string): Entry | undefined | typeof FALLBACK {
  for (let entry = span.asked; entry; entry = entry.next) if (entry.name === key) return entry;
  const { text } = doc;
  for (let row = 0; row < rows.length; row++) {
    const index = rows[row];
    const start = doc.starts[index] + span.column;
    const end = lineEnd(doc, index);
    if (isExplicitKey(text, start, end)) return FALLBACK;
    const keyEnd = keyEndIfNamed(text, start, end, key);
    if (keyEnd < 0) continue;
    const entry = entryAt(doc, index, key, keyEnd);
    entry.next = span.asked;
    span.asked = entry;
    return entry;
  }
  return undefined;
}

/**
 * The entry `key` of a mapping of many rows. Keys are read in order up to the one asked for and
 * kept: the next question on the same mapping goes on from there.
 */
function indexedEntry(doc: Lines, span: Span, rows: readonly number[], key: string): Entry | undefined | typeof FALLBACK {
  const entries = (span.entries ??= new Map());
  let entry = entries.get(key);
  const { text } = doc;
  while (!entry && !span.explicitKey && span.keysRead < rows.length) {
    const index = rows[span.keysRead++];
    const start = doc.starts[index] + span.column;
    const end = lineEnd(doc, index);
    if (isExplicitKey(text, start, end)) span.explicitKey = true;
    else entry = readEntry(doc, index, span.column, entries, key);
  }
  if (!entry) return span.explicitKey ? FALLBACK : undefined;
  return entry;
}

/** Whether the line from `start` to `end` starts with an explicit key (`? `), which this locator does not read. */
function isExplicitKey(text: string, start: number, end: number): boolean {
  return charAt(text, start, end) === 63 /* ? */ && (start + 1 === end || text.charCodeAt(start + 1) === 32);
}

/** Reads the key of the line `index`, at `column`, into `entries` (the first of a repeated key wins); returns its entry when it is `wanted`. */
function readEntry(doc: Lines, index: number, column: number, entries: Map<string, Entry>, wanted: string): Entry | undefined {
  const { text } = doc;
  const start = doc.starts[index] + column;
  const end = lineEnd(doc, index);
  let name: string;
  // Where the key and its `:` end (an offset in the text).
  let keyEnd: number;
  const colon = plainKeyColon(text, start, end);
  if (colon === NOT_PLAIN) {
    const match = KEY.exec(text.slice(start, end));
    // Not a key: a compact sequence item of the previous key (`- x` at the key column) or a continuation.
    if (!match) return undefined;
    name = keyName(match);
    keyEnd = start + match[0].length;
  } else {
    if (colon < 0) return undefined;
    name = text.slice(start, trimEndBlanks(text, start, colon));
    keyEnd = colon + 1;
  }
  if (entries.has(name)) return undefined;
  const entry = entryAt(doc, index, name, keyEnd);
  entries.set(name, entry);
  return name === wanted ? entry : undefined;
}

/** Where the key of the line from `start` to `end`, and its `:`, end when the key is `key`; -1 when the line holds another key or none. */
function keyEndIfNamed(text: string, start: number, end: number, key: string): number {
  const colon = plainKeyColon(text, start, end);
  if (colon === NOT_PLAIN) {
    const match = KEY.exec(text.slice(start, end));
    return match && keyName(match) === key ? start + match[0].length : -1;
  }
  if (colon < 0) return -1;
  return trimEndBlanks(text, start, colon) - start === key.length && text.startsWith(key, start) ? colon + 1 : -1;
}

/** The key a KEY match reads: double-quoted (escapes decoded), single-quoted (`''` is `'`), or plain. */
function keyName(match: RegExpExecArray): string {
  return match[1] !== undefined ? unescapeDouble(match[1]) : match[2] !== undefined ? match[2].replace(/''/g, "'") : match[3];
}

/** The entry of the key `name` on line `index`, whose key and `:` end at `keyEnd`: what its value is, by the value's first character. */
function entryAt(doc: Lines, index: number, name: string, keyEnd: number): Entry {
  const { text } = doc;
  const lineStart = doc.starts[index];
  const end = lineEnd(doc, index);
  // The value's first character: a `#` there (after blanks, or right after the `:`) starts a comment, so the value is empty.
  const valueStart = skipSpace(text, keyEnd, end);
  const first = charAt(text, valueStart, end);
  if (valueStart === end || first === 35 /* # */) return { name, next: undefined, keyLine: index, kind: 'block', value: undefined };
  if (first === 38 /* & */ || first === 33 /* ! */) return { name, next: undefined, keyLine: index, kind: 'fallback', value: undefined };
  // A flow collection: a node starting at its bracket, which the walk hands to the full parser if it goes on.
  if (first === 91 /* [ */ || first === 123 /* { */) return { name, next: undefined, keyLine: index, kind: 'flow', value: spanAt(index, valueStart - lineStart, index + 1) };
  // A scalar or a block scalar (`|`, `>`): nothing block-structured below it.
  return { name, next: undefined, keyLine: index, kind: 'scalar', value: undefined };
}

const NOT_PLAIN = -2;

/**
 * The `:` ending a plain key that starts at `column` (KEY's third form, read by character codes):
 * the first `:` followed by a blank or the end of the line, with no `#` before it; -1 when the line
 * holds no such key; NOT_PLAIN when the key starts with a quote or anything but a printable ASCII
 * character, which KEY reads.
 */
function plainKeyColon(text: string, start: number, end: number): number {
  const first = charAt(text, start, end);
  if (first === 34 /* " */ || first === 39 /* ' */ || first <= 32 || first >= 127) return NOT_PLAIN;
  if (first === 35 /* # */) return -1;
  for (let index = start + 1; index < end; index++) {
    const char = text.charCodeAt(index);
    if (char === 35) return -1;
    if (char === 58 /* : */) {
      const next = text.charCodeAt(index + 1);
      if (index + 1 === end || next === 32 || next === 9 || next === 13) return index;
    }
  }
  return -1;
}

/** Where the text from `start` to `end` ends without its trailing blanks. */
function trimEndBlanks(text: string, start: number, end: number): number {
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return end;
}

/** The node under an entry's key: deeper lines, or a compact sequence at the key's own column; found once. */
function entryValue(doc: Lines, span: Span, entry: Entry): Span | undefined {
  if (entry.kind === 'block' && entry.value === undefined) entry.value = blockValue(doc, entry.keyLine, span.column, span.end) ?? null;
  return entry.value ?? undefined;
}

function blockValue(doc: Lines, keyLine: number, keyColumn: number, end: number): Span | undefined {
  const { indents } = doc;
  const first = nextContentLine(doc, keyLine + 1, end);
  if (first < 0) return undefined;
  const column = indents[first];
  const compactSequence = column === keyColumn && isItem(doc, first, column);
  if (column <= keyColumn && !compactSequence) return undefined;
  let last = first + 1;
  for (; last < end; last++) {
    const indent = indents[last];
    if (indent < 0 || indent > keyColumn) continue;
    if (compactSequence && indent === keyColumn && isItem(doc, last, indent)) continue;
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
  const lineStart = doc.starts[index];
  const lineStop = lineEnd(doc, index);
  const content = skipSpace(doc.text, lineStart + column + 1, lineStop);
  if (content >= lineStop || doc.text.charCodeAt(content) === 35 /* # */) {
    const first = nextContentLine(doc, index + 1, end);
    return first < 0 ? spanAt(index, column + 1, index + 1) : spanAt(first, doc.indents[first], end);
  }
  return spanAt(index, content - lineStart, end);
}

/** How many of the lines at a span's column are sequence items (`- `) before the first that is not. */
function sequenceLength(doc: Lines, span: Span): number {
  if (span.length === undefined) {
    const rows = rowsOf(doc, span);
    let length = 0;
    while (length < rows.length && isItem(doc, rows[length], span.column)) length++;
    span.length = length;
  }
  return span.length;
}

/**
 * The lines of a span that start at its column (its keys, or its items), from the first line of its
 * content; deeper lines are skipped. Counted first, then written into a list of that size: grown by
 * push, the list of a node of a few rows took room for seventeen (2 MB of garbage per scan of the
 * 10,000-object bench mix).
 */
function rowsOf(doc: Lines, span: Span): number[] {
  if (span.rows) return span.rows;
  let count = 0;
  // The first line past the node's rows (one less indented than its column).
  let stop = span.first;
  for (; stop < span.end; stop++) {
    const indent = doc.indents[stop];
    if (stop !== span.first && indent < 0) continue;
    const column = stop === span.first ? span.column : indent;
    if (column < span.column) break;
    if (column === span.column) count++;
  }
  const rows = new Array<number>(count);
  let row = 0;
  for (let index = span.first; index < stop; index++) if (index === span.first || doc.indents[index] === span.column) rows[row++] = index;
  span.rows = rows;
  return rows;
}

/** Whether line `line` holds a sequence item (`- ` or a lone `-`) at `column`. */
function isItem(doc: Lines, line: number, column: number): boolean {
  const start = doc.starts[line] + column;
  const end = lineEnd(doc, line);
  return charAt(doc.text, start, end) === 45 /* - */ && (start + 1 === end || isSpace(doc.text.charCodeAt(start + 1)));
}

/** Whether the flow collection opening at `start` closes on its line, before `end` (brackets balanced outside quotes). */
function closesOnLine(text: string, start: number, end: number): boolean {
  let depth = 0;
  // The open quote's character code, 0 outside quotes.
  let quote = 0;
  for (let index = start; index < end; index++) {
    const char = text.charCodeAt(index);
    if (quote) {
      if (char === 92 /* \\ */ && quote === 34 /* " */) index++;
      else if (char === quote) {
        // '' is an escaped quote inside a single-quoted scalar.
        if (quote === 39 /* ' */ && index + 1 < end && text.charCodeAt(index + 1) === 39) index++;
        else quote = 0;
      }
    } else if (char === 34 || char === 39) quote = char;
    else if (char === 91 /* [ */ || char === 123 /* { */) depth++;
    else if (char === 93 /* ] */ || char === 125 /* } */) {
      if (--depth === 0) return true;
    }
  }
  return false;
}

function nextContentLine(doc: Lines, from: number, end: number): number {
  for (let index = from; index < end; index++) if (doc.indents[index] >= 0) return index;
  return -1;
}


function unescapeDouble(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}
