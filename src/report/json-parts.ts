/**
 * `JSON.stringify(value, null, 2)` as a sequence of parts, for reports too large to be one string (V8
 * holds at most ~512 MB in a string: a dump of 150,000 pods has more findings than that as JSON),
 * and written as they are made, so the whole text is never in memory. The containers near the root
 * are written by hand, down to `depth`; below it values are written by JSON.stringify, the elements
 * of an array many at a time (see leafElements). Joined, the parts are exactly JSON.stringify's text.
 */
export function jsonParts(value: unknown, depth = 4): Generator<string> {
  return write(value, '', depth);
}

/** jsonParts, collected. */
export function stringifyParts(value: unknown, depth = 4): string[] {
  return [...jsonParts(value, depth)];
}

/**
 * How many elements of an array one JSON.stringify writes below `depth` (the findings of a report):
 * few calls, and parts of some hundred kilobytes at most, far from the string limit.
 */
const ELEMENTS_PER_PART = 128;

function* write(value: unknown, indent: string, depth: number): Generator<string> {
  const json = toJsonValue(value);
  if (depth <= 0 || json === null || typeof json !== 'object') {
    yield stringifyAt(json, indent);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(json)) {
    if (json.length === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    if (depth === 1) yield* leafElements(json, inner);
    else for (let index = 0; index < json.length; index++) yield* member(inner, arrayElement(json[index]), inner, depth - 1, index < json.length - 1 ? ',\n' : '\n');
    yield `${indent}]`;
    return;
  }
  const entries = Object.entries(json as Record<string, unknown>).filter(([, item]) => !isOmitted(toJsonValue(item)));
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

/** An object member with its value by hand: one part when the value is a leaf, else its own parts. */
function* member(head: string, value: unknown, indent: string, depth: number, tail: string): Generator<string> {
  const json = toJsonValue(value);
  if (depth <= 0 || json === null || typeof json !== 'object') {
    yield head + stringifyAt(json, indent) + tail;
    return;
  }
  yield head;
  yield* write(json, indent, depth);
  yield tail;
}

/**
 * The elements of an array at `indent` (each line of them, and the `,` between them, as
 * JSON.stringify writes them there), ELEMENTS_PER_PART to a part, each part ending with its line
 * break: one JSON.stringify of a slice of the array, cut out of its brackets.
 */
function* leafElements(elements: readonly unknown[], indent: string): Generator<string> {
  const arrayIndent = indent.slice(2);
  for (let start = 0; start < elements.length; start += ELEMENTS_PER_PART) {
    const last = start + ELEMENTS_PER_PART >= elements.length;
    // `[\n` + the elements + `\n${arrayIndent}]`.
    const text = stringifyAt(elements.slice(start, start + ELEMENTS_PER_PART), arrayIndent);
    yield text.slice(2, text.length - arrayIndent.length - 2) + (last ? '\n' : ',\n');
  }
}

/**
 * JSON.stringify(json, null, 2) as written at `indent`: each line after the first indented by it.
 * Nested in as many arrays as `indent` has levels, the value is indented by JSON.stringify itself,
 * and the text is cut out of the wrappers' brackets: no second pass over it, no copy (V8 slices).
 */
function stringifyAt(json: unknown, indent: string): string {
  const levels = indent.length / 2;
  if (levels === 0) return JSON.stringify(json, null, 2) ?? 'null';
  let nested: unknown = json;
  for (let level = 0; level < levels; level++) nested = [nested];
  const text = JSON.stringify(nested, null, 2);
  // Each wrapper at level n opens with `[\n` and n spaces (2n + 2 characters with the next line's indentation) and closes as many.
  const brackets = levels * (levels + 1);
  return text.slice(brackets + indent.length, text.length - brackets);
}

/** An array element as JSON.stringify writes it: what JSON has no value for becomes null. */
function arrayElement(value: unknown): unknown {
  const json = toJsonValue(value);
  return isOmitted(json) ? null : json;
}

/** What JSON has no value for: a member holding it is left out, an element holding it is null. */
function isOmitted(json: unknown): boolean {
  return json === undefined || typeof json === 'function' || typeof json === 'symbol';
}

/** What JSON.stringify would see: a value's toJSON() result. */
function toJsonValue(value: unknown): unknown {
  return value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value;
}
