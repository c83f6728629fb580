import { describe, expect, it } from 'vitest';
import { isEmptySelector, mapSelectorMatches, selectorError, selectorMatches, type LabelSelector } from '../../src/core/selector.js';

const labels = { app: 'web', tier: 'front' };

describe('selectorMatches', () => {
  it.each<[string, LabelSelector | undefined, boolean]>([
    ['absent selector', undefined, true],
    ['empty selector', {}, true],
    ['matchLabels all present', { matchLabels: { app: 'web' } }, true],
    ['matchLabels one differs', { matchLabels: { app: 'web', tier: 'back' } }, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] }, true],
    ['In with the key absent', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn with the value listed', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, false],
    ['NotIn with the key absent matches', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    ['labels AND expressions', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, false],
  ])('%s', (_name, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  it('an empty label value is a value', () => {
    expect(selectorMatches({ matchLabels: { flag: '' } }, { flag: '' })).toBe(true);
    expect(selectorMatches({ matchLabels: { flag: '' } }, {})).toBe(false);
  });
});

describe('selectorError', () => {
  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }, /operator "Equals" is not a valid selector operator/],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, /values must be non-empty for operator In/],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, /values must be empty for operator Exists/],
    // fuzz counterexample: a mapping where the list goes reached the NetworkPolicy validator
    [{ matchExpressions: [{ key: '0', operator: 'DoesNotExist', values: {} }] }, /matchExpressions\[0\]\.values must be a list/],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: 'x' }] }, /values must be a list/],
    [{ matchLabels: { a: 1 } }, /matchLabels\.a must be a string/],
  ])('rejects %j', (selector, message) => {
    expect(selectorError(selector)).toMatch(message);
  });
  it('accepts valid selectors', () => {
    expect(selectorError({ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] })).toBeUndefined();
    expect(selectorError(undefined)).toBeUndefined();
  });
});

describe('other selector helpers', () => {
  it('isEmptySelector tells {} from absent', () => {
    expect(isEmptySelector({})).toBe(true);
    expect(isEmptySelector(undefined)).toBe(false);
    expect(isEmptySelector({ matchLabels: { a: 'b' } })).toBe(false);
  });
  it('mapSelectorMatches is the Service-style equality selector', () => {
    expect(mapSelectorMatches({ app: 'web' }, labels)).toBe(true);
    expect(mapSelectorMatches({ app: 'api' }, labels)).toBe(false);
  });
});
