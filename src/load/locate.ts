import type { PathSegment } from '../core/provenance.js';

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
 * What a locator learnt of a document's structure, kept between questions: the lines at a span's
 * column, and the end of a key's block value. Without it, every question on a dump of 100,000
 * objects in one List would scan the whole list again.
 */
export class BlockIndex {
  readonly children = new Map<string, { index: number; text: string }[]>();
  readonly values = new Map<string, Span | undefined>();
  readonly lengths = new Map<string, number>();
}

/** A node's lines: content starts at `column` of line `first`; the node ends before line `end`. */
interface Span {
  first: number;
  column: number;
  end: number;
}

/** Returns the 0-based line of the deepest existing field on `path`, or FALLBACK. */
export function locateBlockYaml(lines: readonly string[], path: readonly PathSegment[], index?: BlockIndex): number | typeof FALLBACK {
  const rootLine = nextContentLine(lines, 0, lines.length);
  if (rootLine < 0) return FALLBACK;
  let span: Span = { first: rootLine, column: indentOf(lines[rootLine]), end: lines.length };
  let line = rootLine;
  for (const segment of path) {
    const text = lines[span.first].slice(span.column);
    // A flow collection on one line holds every field below it on that line: the answer, whatever the rest of the path.
    if (/^[[{]/.test(text) && closesOnLine(text)) return span.first;
    if (/^[[{!&*?|>]/.test(text)) return FALLBACK;
    const isSequence = /^-(\s|$)/.test(text);
    if (typeof segment === 'number') {
      if (!isSequence) return line;
      const item = sequenceItem(lines, span, segment, index);
      if (!item) return line;
      line = item.first;
      span = item;
    } else {
      if (isSequence) return line;
      const entry = mappingEntry(lines, span, segment, index);
      if (entry === FALLBACK) return FALLBACK;
      if (!entry) return line;
      line = entry.keyLine;
      // A scalar value: nothing below it, so the key is the deepest field that exists.
      if (!entry.value) return line;
      span = entry.value;
    }
  }
  return line;
}

const KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s'"#][^#]*?))[ \t]*:(?=[ \t\r]|$)/;

/**
 * The entry `key` of the mapping in `span`: the line of its key and the span of its value when the
 * value is a block node (undefined for a scalar or an empty value). FALLBACK when a value on the way
 * is a flow collection or the mapping is not plainly readable.
 */
function mappingEntry(lines: readonly string[], span: Span, key: string, cache?: BlockIndex): { keyLine: number; value?: Span } | undefined | typeof FALLBACK {
  const column = span.column;
  for (const { index, text } of linesAtColumn(lines, span, cache)) {
    if (text.startsWith('? ') || text === '?') return FALLBACK;
    const match = KEY.exec(text);
    // Not a key: a compact sequence item of the previous key (`- x` at the key column) or a continuation.
    if (!match) continue;
    const name = match[1] !== undefined ? unescapeDouble(match[1]) : match[2] !== undefined ? match[2].replace(/''/g, "'") : match[3];
    if (name !== key) continue;
    const after = text.slice(match[0].length);
    const rest = stripComment(after).trim();
    if (rest === '') return { keyLine: index, value: blockValue(lines, index, column, span.end, cache) };
    if (/^[&!]/.test(rest)) return FALLBACK;
    // A flow collection: a span starting at its bracket, which the walk hands to the full parser if it goes on.
    if (/^[[{]/.test(rest)) return { keyLine: index, value: { first: index, column: column + match[0].length + (after.length - after.trimStart().length), end: index + 1 } };
    // A scalar or a block scalar (`|`, `>`): nothing block-structured below it.
    return { keyLine: index };
  }
  return undefined;
}

/** The block node under a key on line `keyLine` at `keyColumn`: deeper lines, or a compact sequence at the key's own column. */
function blockValue(lines: readonly string[], keyLine: number, keyColumn: number, end: number, cache?: BlockIndex): Span | undefined {
  if (!cache) return scanBlockValue(lines, keyLine, keyColumn, end);
  const key = `${keyLine}:${keyColumn}:${end}`;
  if (!cache.values.has(key)) cache.values.set(key, scanBlockValue(lines, keyLine, keyColumn, end));
  return cache.values.get(key);
}

function scanBlockValue(lines: readonly string[], keyLine: number, keyColumn: number, end: number): Span | undefined {
  const first = nextContentLine(lines, keyLine + 1, end);
  if (first < 0) return undefined;
  const column = indentOf(lines[first]);
  const compactSequence = column === keyColumn && /^-(\s|$)/.test(lines[first].slice(column));
  if (column <= keyColumn && !compactSequence) return undefined;
  let last = first + 1;
  for (; last < end; last++) {
    const line = lines[last];
    if (isBlankOrComment(line)) continue;
    const indent = indentOf(line);
    if (indent > keyColumn) continue;
    if (compactSequence && indent === keyColumn && /^-(\s|$)/.test(line.slice(indent))) continue;
    break;
  }
  return { first, column, end: last };
}

/** Item `position` of the sequence in `span`; its content may start on the dash line or below it. */
function sequenceItem(lines: readonly string[], span: Span, position: number, cache?: BlockIndex): Span | undefined {
  const column = span.column;
  // The items are the lines at the column up to the first that is not `- `; indexed, the n-th is read directly.
  if (position >= sequenceLength(lines, span, cache)) return undefined;
  const { index, text } = linesAtColumn(lines, span, cache)[position];
  let end = index + 1;
  for (; end < span.end; end++) {
    const next = lines[end];
    if (isBlankOrComment(next)) continue;
    if (indentOf(next) <= column) break;
  }
  const afterDash = text.slice(1);
  const content = afterDash.trimStart();
  if (content === '' || content.startsWith('#')) {
    const first = nextContentLine(lines, index + 1, end);
    return first < 0 ? { first: index, column: column + 1, end: index + 1 } : { first, column: indentOf(lines[first]), end };
  }
  return { first: index, column: column + 1 + (afterDash.length - content.length), end };
}

/** How many of the lines at a span's column are sequence items (`- `) before the first that is not. */
function sequenceLength(lines: readonly string[], span: Span, cache?: BlockIndex): number {
  const key = `${span.first}:${span.column}:${span.end}`;
  const known = cache?.lengths.get(key);
  if (known !== undefined) return known;
  const items = linesAtColumn(lines, span, cache);
  let length = 0;
  while (length < items.length && /^-(\s|$)/.test(items[length].text)) length++;
  cache?.lengths.set(key, length);
  return length;
}

/** The lines of a span that start at its column (its keys, or its items), from the first line of its content; deeper lines are skipped. */
function linesAtColumn(lines: readonly string[], span: Span, cache?: BlockIndex): { index: number; text: string }[] {
  const key = `${span.first}:${span.column}:${span.end}`;
  const known = cache?.children.get(key);
  if (known) return known;
  const found: { index: number; text: string }[] = [];
  for (let index = span.first; index < span.end; index++) {
    const line = lines[index];
    if (index !== span.first && isBlankOrComment(line)) continue;
    const column = index === span.first ? span.column : indentOf(line);
    if (column < span.column) break;
    if (column === span.column) found.push({ index, text: line.slice(column) });
  }
  cache?.children.set(key, found);
  return found;
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

function nextContentLine(lines: readonly string[], from: number, end: number): number {
  for (let index = from; index < end; index++) if (!isBlankOrComment(lines[index])) return index;
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
