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

  it('drops what JSON drops, calls toJSON, and writes null for holes in arrays', () => {
    const value = { a: undefined, b: [undefined, () => 1, 1], c: new Date(0), d: { toJSON: () => 'x' }, e: {}, f: [] };
    expect(stringifyParts(value).join('')).toBe(JSON.stringify(value, null, 2));
  });

  it('never builds one string of the whole: a report of a million findings is parts of one finding each', () => {
    const findings = Array.from({ length: 1000 }, (_, index) => ({ ruleId: 'r', message: 'x'.repeat(100), index }));
    const parts = stringifyParts({ kubeward: '1', findings });
    expect(Math.max(...parts.map((part) => part.length))).toBeLessThan(400);
  });
});
