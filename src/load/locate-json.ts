import type { PathSegment } from '../core/provenance.js';
import { FALLBACK } from './locate.js';

/**
 * The line of a field in a JSON document (a `kubectl get -o json` dump), found by scanning the text:
 * each container's children are indexed the first time a question passes through it and kept, so a
 * List of 100,000 objects is scanned once, not once per finding, and nothing is parsed into a tree.
 * Answers as the `yaml` document model would: the key line of the deepest field on the path that
 * exists (the item line for a list element). FALLBACK when the text is not JSON after all.
 */
export function jsonLocator(text: string): (path: readonly PathSegment[]) => number | typeof FALLBACK {
  const children = new Map<number, Map<string, { key: number; value: number }> | number[] | null>();
  let lineStarts: number[] | undefined;
  const root = skipSpace(text, 0);

  const indexOf = (offset: number) => {
    let known = children.get(offset);
    if (known === undefined) {
      known = indexContainer(text, offset);
      children.set(offset, known);
    }
    return known;
  };

  const lineOf = (offset: number) => {
    lineStarts ??= startsOfLines(text);
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  };

  return (path) => {
    if (root >= text.length) return FALLBACK;
    let offset = root;
    let answer = root;
    for (const segment of path) {
      const container = indexOf(offset);
      if (container === null) return FALLBACK;
      if (Array.isArray(container)) {
        if (typeof segment !== 'number' || segment >= container.length) break;
        offset = answer = container[segment];
      } else {
        const entry = container.get(String(segment));
        if (!entry) break;
        answer = entry.key;
        offset = entry.value;
      }
    }
    return lineOf(answer);
  };
}

function startsOfLines(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) starts.push(index + 1);
  return starts;
}

function skipSpace(text: string, offset: number): number {
  while (offset < text.length) {
    const code = text.charCodeAt(offset);
    if (code !== 32 && code !== 9 && code !== 10 && code !== 13) break;
    offset++;
  }
  return offset;
}

/** The end (exclusive) of the string starting at `offset`, or -1. */
function skipString(text: string, offset: number): number {
  for (let index = offset + 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 34) return index + 1;
    if (code === 92) index++;
  }
  return -1;
}

/** The end (exclusive) of the value starting at `offset` (nesting counted, strings skipped), or -1. */
function skipValue(text: string, offset: number): number {
  let depth = 0;
  let index = offset;
  do {
    if (index >= text.length) return -1;
    const char = text[index];
    if (char === '"') {
      index = skipString(text, index);
      if (index < 0) return -1;
      continue;
    }
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if (depth === 0) {
      // A scalar: up to the next delimiter.
      while (index < text.length && !',}] \t\r\n'.includes(text[index])) index++;
      return index;
    }
    index++;
  } while (depth > 0);
  return index;
}

/** The children of the container at `offset`: keys (with key and value offsets) or element offsets; an empty array for a scalar; null when not JSON. */
function indexContainer(text: string, offset: number): Map<string, { key: number; value: number }> | number[] | null {
  const open = text[offset];
  if (open !== '{' && open !== '[') return [];
  const entries = open === '{' ? new Map<string, { key: number; value: number }>() : undefined;
  const elements: number[] = [];
  let index = skipSpace(text, offset + 1);
  if (text[index] === (open === '{' ? '}' : ']')) return entries ?? elements;
  for (;;) {
    let key: string | undefined;
    const keyOffset = index;
    if (entries) {
      if (text[index] !== '"') return null;
      const end = skipString(text, index);
      if (end < 0) return null;
      try {
        key = JSON.parse(text.slice(index, end)) as string;
      } catch {
        return null;
      }
      index = skipSpace(text, end);
      if (text[index] !== ':') return null;
      index = skipSpace(text, index + 1);
    }
    const value = index;
    const end = skipValue(text, index);
    if (end < 0) return null;
    if (entries) {
      // The first of duplicate keys, as the document model answers.
      if (!entries.has(key!)) entries.set(key!, { key: keyOffset, value });
    } else {
      elements.push(value);
    }
    index = skipSpace(text, end);
    if (text[index] === ',') {
      index = skipSpace(text, index + 1);
      continue;
    }
    if (text[index] === (open === '{' ? '}' : ']')) return entries ?? elements;
    return null;
  }
}
