/**
 * `JSON.stringify(value, null, 2)` as a sequence of parts, for reports too large to be one string (V8
 * holds at most ~512 MB in a string: a dump of 150,000 pods has more findings than that as JSON),
 * and written as they are made, so the whole text is never in memory. The containers near the root
 * are written by hand, down to `depth`; below it each value is one JSON.stringify. Joined, the parts
 * are exactly JSON.stringify's text.
 */
export function jsonParts(value: unknown, depth = 4): Generator<string> {
  return write(value, '', depth);
}

/** jsonParts, collected. */
export function stringifyParts(value: unknown, depth = 4): string[] {
  return [...jsonParts(value, depth)];
}

function* write(value: unknown, indent: string, depth: number): Generator<string> {
  const json = toJsonValue(value);
  if (depth <= 0 || json === null || typeof json !== 'object') {
    yield leaf(json, indent);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(json)) {
    if (json.length === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    for (let index = 0; index < json.length; index++) {
      const element = toJsonValue(json[index]);
      yield* member(inner, element === undefined || typeof element === 'function' || typeof element === 'symbol' ? null : element, inner, depth - 1, index < json.length - 1 ? ',\n' : '\n');
    }
    yield `${indent}]`;
    return;
  }
  const entries = Object.entries(json as Record<string, unknown>).filter(([, item]) => {
    const element = toJsonValue(item);
    return element !== undefined && typeof element !== 'function' && typeof element !== 'symbol';
  });
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{\n';
  for (let index = 0; index < entries.length; index++) {
    const [key, item] = entries[index];
    yield* member(`${inner}${JSON.stringify(key)}: `, item, inner, depth - 1, index < entries.length - 1 ? ',\n' : '\n');
  }
  yield `${indent}}`;
}

/** An array element or object member: one part when it is a leaf (each finding of a report), else its own parts. */
function* member(head: string, value: unknown, indent: string, depth: number, tail: string): Generator<string> {
  const json = toJsonValue(value);
  if (depth <= 0 || json === null || typeof json !== 'object') {
    yield head + leaf(json, indent) + tail;
    return;
  }
  yield head;
  yield* write(json, indent, depth);
  yield tail;
}

function leaf(json: unknown, indent: string): string {
  return indented(JSON.stringify(json, null, 2) ?? 'null', indent);
}

/** What JSON.stringify would see: a value's toJSON() result. */
function toJsonValue(value: unknown): unknown {
  return value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value;
}

function indented(text: string, indent: string): string {
  return indent === '' || !text.includes('\n') ? text : text.replace(/\n/g, `\n${indent}`);
}
