/**
 * `JSON.stringify(value, null, 2)` as a list of parts, for reports too large to be one string (V8
 * holds at most ~512 MB in a string: a dump of 150,000 pods has more findings than that as JSON).
 * The containers near the root are written by hand, down to `depth`; below it each value is one
 * JSON.stringify. Joined, the parts are exactly JSON.stringify's text.
 */
export function stringifyParts(value: unknown, depth = 4): string[] {
  const parts: string[] = [];
  write(value, '', depth, parts);
  return parts;
}

function write(value: unknown, indent: string, depth: number, parts: string[]): void {
  const json = toJsonValue(value);
  if (depth <= 0 || json === null || typeof json !== 'object') {
    parts.push(indented(JSON.stringify(json, null, 2) ?? 'null', indent));
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(json)) {
    if (json.length === 0) {
      parts.push('[]');
      return;
    }
    parts.push('[\n');
    json.forEach((item, index) => {
      parts.push(inner);
      const element = toJsonValue(item);
      write(element === undefined || typeof element === 'function' || typeof element === 'symbol' ? null : element, inner, depth - 1, parts);
      parts.push(index < json.length - 1 ? ',\n' : '\n');
    });
    parts.push(`${indent}]`);
    return;
  }
  const entries = Object.entries(json as Record<string, unknown>).filter(([, item]) => {
    const element = toJsonValue(item);
    return element !== undefined && typeof element !== 'function' && typeof element !== 'symbol';
  });
  if (entries.length === 0) {
    parts.push('{}');
    return;
  }
  parts.push('{\n');
  entries.forEach(([key, item], index) => {
    parts.push(`${inner}${JSON.stringify(key)}: `);
    write(item, inner, depth - 1, parts);
    parts.push(index < entries.length - 1 ? ',\n' : '\n');
  });
  parts.push(`${indent}}`);
}

/** What JSON.stringify would see: a value's toJSON() result. */
function toJsonValue(value: unknown): unknown {
  return value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value;
}

function indented(text: string, indent: string): string {
  return indent === '' || !text.includes('\n') ? text : text.replace(/\n/g, `\n${indent}`);
}
