import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.js';
import { findSuppression, globMatches, parseIgnoreAnnotation } from '../../src/rules/suppress.js';

describe('parseIgnoreAnnotation', () => {
  it.each([
    ['privileged-container; CNI agent', ['privileged-container'], 'CNI agent'],
    [' a , b ;  two rules, one reason; with a semicolon', ['a', 'b'], 'two rules, one reason; with a semicolon'],
    ['a', ['a'], ''],
  ])('%j', (value, rules, reason) => {
    expect(parseIgnoreAnnotation(value)).toEqual({ rules, reason });
  });
});

describe('globMatches', () => {
  it.each([
    [undefined, 'anything', true],
    ['node-*', 'node-agent', true],
    ['node-*', 'agent-node', false],
    ['*', '', true],
    ['a.b', 'axb', false],
    ['kube-system', 'kube-system', true],
  ])('%s ~ %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });
});

describe('findSuppression', () => {
  const object: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agent', namespace: 'kube-system', annotations: { 'kubeward.io/ignore': 'rule-a; known' } } };
  it('prefers the annotation, then config entries that match and have not expired', () => {
    expect(findSuppression({ ruleId: 'rule-a', object }, [], '2026-01-01')).toEqual({ source: 'annotation', reason: 'known' });
    const ignores = [
      { rule: 'rule-b', match: { namespace: 'kube-*' }, reason: 'expired', expires: '2025-12-31' },
      { rule: 'rule-b', match: { kind: 'Pod', name: 'agent' }, reason: 'accepted', expires: '2026-01-01' },
    ];
    expect(findSuppression({ ruleId: 'rule-b', object }, ignores, '2026-01-01')).toEqual({ source: 'config', reason: 'accepted', expires: '2026-01-01' });
    expect(findSuppression({ ruleId: 'rule-b', object }, ignores, '2026-01-02')).toBeUndefined();
    expect(findSuppression({ ruleId: 'rule-c', object }, ignores, '2026-01-01')).toBeUndefined();
  });
  it('with annotations off, only config entries suppress', () => {
    expect(findSuppression({ ruleId: 'rule-a', object }, [], '2026-01-01', false)).toBeUndefined();
    const ignores = [{ rule: 'rule-a', match: { name: 'agent' }, reason: 'mine' }];
    expect(findSuppression({ ruleId: 'rule-a', object }, ignores, '2026-01-01', false)).toEqual({ source: 'config', reason: 'mine' });
  });
  it('matches on the file too', () => {
    const ignores = [{ rule: 'rule-x', match: { file: 'vendor/*' }, reason: 'vendored' }];
    expect(findSuppression({ ruleId: 'rule-x', object, file: 'vendor/a.yaml' }, ignores, '2026-01-01')?.reason).toBe('vendored');
    expect(findSuppression({ ruleId: 'rule-x', object, file: 'src/a.yaml' }, ignores, '2026-01-01')).toBeUndefined();
  });
});
