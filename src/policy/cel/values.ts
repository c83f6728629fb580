/**
 * JSON ↔ CEL values. Kubernetes decodes unstructured JSON with integral numbers as int64, so a
 * `replicas: 3` is a CEL `int` (a JS bigint here), never a `double`: `object.spec.replicas + 1`
 * type-checks and `type(object.spec.replicas) == int` holds, as in the API server. Non-integral
 * numbers are doubles. Objects become maps without a prototype, so a key named `__proto__` or
 * `constructor` is just a key.
 */
import { Optional } from '@marcbachmann/cel-js';

export type CelValue = unknown;

export function toCel(value: unknown): CelValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? BigInt(value) : value;
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'object': {
      if (Array.isArray(value)) return value.map(toCel);
      const map: Record<string, CelValue> = Object.create(null);
      for (const key of Object.keys(value)) map[key] = toCel((value as Record<string, unknown>)[key]);
      return map;
    }
    default:
      return null;
  }
}

/** A CEL result as JSON: ints as numbers when they fit, maps as objects, optionals unwrapped. */
export function fromCel(value: CelValue): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'object' && value.constructor?.name === 'UnsignedInt') return fromCel(BigInt((value as { valueOf(): bigint | number }).valueOf()));
  if (value instanceof Optional) return value.hasValue() ? fromCel(value.value()) : null;
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([key, item]) => [String(key), fromCel(item)]));
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return (value as { toJSON(): unknown }).toJSON();
    if (typeof (value as { toString?: unknown }).toString === 'function' && Object.getPrototypeOf(value) !== null && Object.getPrototypeOf(value) !== Object.prototype) return String(value);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromCel(item)]));
  }
  return value;
}

/** How CEL prints a value in messages: strings bare, everything else as JSON. */
export function celDisplay(value: CelValue): string {
  const json = fromCel(value);
  return typeof json === 'string' ? json : JSON.stringify(json);
}
