import { InputError } from '../core/errors.js';
import type { DetectEvent, FieldTable } from './fields.js';
import { compileField, type Getter } from './condition.js';

/**
 * Output templates, as in Falco rules: `%field` or `%field[arg]` is replaced by the field's value,
 * `<NA>` when it is not available, lists as `(a,b)`. The field name is the longest known field at
 * that point, so `%ka.target.name/%ka.target.resource` and `(user=%ka.user.name)` read as meant.
 */
export type Template = (event: DetectEvent) => string;

export const NOT_AVAILABLE = '<NA>';

export function formatValue(value: unknown): string {
  if (value === undefined) return NOT_AVAILABLE;
  if (Array.isArray(value)) return `(${value.join(',')})`;
  return String(value);
}

/** Splits a template into literal text and field getters; unknown fields are an error, as in Falco. */
export function compileTemplate(text: string, fields: FieldTable): Template {
  const parts: (string | Getter)[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '%') {
      literal += c;
      i++;
      continue;
    }
    const match = /^[A-Za-z_][\w.]*/.exec(text.slice(i + 1));
    let name = match?.[0] ?? '';
    while (name && !fields.has(name)) name = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
    if (!name) {
      if (match) throw new InputError(`unknown field %${match[0]} in output "${text}"`);
      literal += c;
      i++;
      continue;
    }
    i += 1 + name.length;
    let arg: string | undefined;
    if (text[i] === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new InputError(`missing ']' in output "${text}"`);
      arg = text.slice(i + 1, end);
      i = end + 1;
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push(compileField({ name, arg, transformers: [] }, fields).get);
  }
  if (literal) parts.push(literal);
  return (event) => parts.map((part) => (typeof part === 'string' ? part : formatValue(part(event)))).join('');
}

/**
 * A key template (`%ka.user.name` or `system:serviceaccount:%ka.target.namespace:%ka.target.name`):
 * like an output, but a field that is not available means "no key", so the event is not grouped.
 */
export function compileKey(text: string, fields: FieldTable): (event: DetectEvent) => string | undefined {
  const template = compileTemplate(text, fields);
  return (event) => {
    const key = template(event);
    return key.includes(NOT_AVAILABLE) ? undefined : key;
  };
}
