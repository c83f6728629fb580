import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringifyParts } from '../../src/report/json-parts.js';

describe('stringifyParts', () => {
  it('joins to exactly what JSON.stringify(value, null, 2) writes, at every depth (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 6 }), (value, depth) => {
        expect(stringifyParts(value, depth).join('')).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it('joins to exactly the text of JSON.stringify when arrays are written many elements to a part, across part boundaries (property)', () => {
    const long = fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 100, maxLength: 400 });
    fc.assert(
      fc.property(fc.dictionary(fc.string(), long, { maxKeys: 3 }), long, fc.integer({ min: 1, max: 4 }), (members, list, depth) => {
        const value = { ...members, list, nested: [[list]] };
        expect(stringifyParts(value, depth).join('')).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 60 },
    );
  });

  it('drops what JSON drops, calls toJSON, and writes null for holes in arrays', () => {
    const value = { a: undefined, b: [undefined, () => 1, 1], c: new Date(0), d: { toJSON: () => 'x' }, e: {}, f: [] };
    expect(stringifyParts(value).join('')).toBe(JSON.stringify(value, null, 2));
  });

  it('never builds one string of the whole: a report of a million findings is parts of one finding each', () => {
    const findings = Array.from({ length: 1000 }, (_, index) => ({ ruleId: 'r', message: 'x'.repeat(100), index }));
    const parts = stringifyParts({ kubeward: '1', findings });
    expect(Math.max(...parts.map((part) => part.length))).toBeLessThan(400);
  });

  it('writes the findings of a report at depth 2 a bounded number to a part, never as one string', () => {
    const findings = Array.from({ length: 10_000 }, (_, index) => ({ ruleId: 'r', message: 'x'.repeat(100), index }));
    const parts = stringifyParts({ kubeward: '1', findings }, 2);
    expect(parts.join('')).toBe(JSON.stringify({ kubeward: '1', findings }, null, 2));
    const longest = Math.max(...parts.map((part) => part.length));
    expect(longest).toBeLessThan(200 * 200);
    expect(parts.length).toBeGreaterThan(10_000 / 200);
  });
});
