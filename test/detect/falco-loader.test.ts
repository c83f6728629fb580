import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/detect/audit.js';
import { falcoAlert, falcoMatches, loadFalcoRules } from '../../src/detect/falco.js';
import { FIELD_TABLES } from '../../src/detect/fields.js';

/** Falco rule-file semantics beyond what the corpus exercises. */
const raw = { kind: 'Event', auditID: 'f-1', stage: 'ResponseComplete', verb: 'create', user: { username: 'bob' }, objectRef: { resource: 'configmaps', namespace: 'prod', name: 'cfg' }, responseStatus: { code: 201 }, stageTimestamp: '2026-03-01T10:00:00Z' };
const event: AuditEvent = { source: 'audit', raw, auditID: 'f-1', stage: 'ResponseComplete', time: Date.parse(raw.stageTimestamp), timeText: raw.stageTimestamp, id: 'f-1' };
const rule = (name: string, condition: string, extra = '') => `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: "${name} by %ka.user.name"\n  priority: WARNING\n  source: k8s_audit\n${extra}`;
const load = (texts: string[], matching: 'first' | 'all' = 'first') => loadFalcoRules(texts.map((text, i) => ({ name: `f${i}.yaml`, text })), { fields: FIELD_TABLES.audit, matching });
const fired = (texts: string[], matching: 'first' | 'all' = 'first') => falcoMatches(load(texts, matching), event).map((r) => r.name);

describe('Falco rule files', () => {
  it('emits the first matching rule per event by default, every one with rule_matching all', () => {
    const file = rule('A', 'ka.verb=create') + rule('B', 'ka.target.resource=configmaps');
    expect(fired([file])).toEqual(['A']);
    expect(fired([file], 'all')).toEqual(['A', 'B']);
  });

  it('a redefined rule keeps its place; enabled: false turns one off', () => {
    const base = rule('A', 'ka.verb=delete') + rule('B', 'ka.verb=create');
    expect(fired([base, rule('A', 'ka.verb=create')], 'all')).toEqual(['A', 'B']);
    expect(fired([base, '- rule: B\n  enabled: false\n'], 'all')).toEqual([]);
  });

  it('appends and overrides conditions, lists, macros and exceptions', () => {
    const base = `- list: users\n  items: [alice]\n- macro: is_cm\n  condition: ka.target.resource=configmaps\n${rule('A', 'is_cm and not ka.user.name in (users)')}`;
    expect(fired([base])).toEqual(['A']);
    expect(fired([base, '- list: users\n  items: [bob]\n  append: true\n'])).toEqual([]);
    expect(fired([base, '- list: users\n  items: [carol]\n  override: {items: replace}\n'])).toEqual(['A']);
    expect(fired([base, '- macro: is_cm\n  condition: and ka.verb=delete\n  append: true\n'])).toEqual([]);
    expect(fired([base, '- rule: A\n  condition: and ka.target.namespace=dev\n  override: {condition: append}\n'])).toEqual([]);
    expect(fired([base, '- rule: A\n  exceptions:\n    - name: prod\n      fields: [ka.target.namespace, ka.verb]\n      values: [[prod, create]]\n  override: {exceptions: append}\n'])).toEqual([]);
    expect(fired([base, '- rule: A\n  exceptions:\n    - name: ns\n      fields: ka.target.namespace\n      values: [dev, prod]\n  append: true\n'])).toEqual([]);
    expect(fired([base, '- rule: A\n  exceptions:\n    - name: ns\n      fields: ka.target.namespace\n      comps: startswith\n      values: [pr]\n  append: true\n'])).toEqual([]);
  });

  it('skips rules of other sources and rules with unknown fields when asked to', () => {
    const set = load([`${rule('Syscall', 'evt.type=open').replace('source: k8s_audit', 'source: syscall')}${rule('Unknown', 'ka.future.field=1', '  skip-if-unknown-filter: true\n')}${rule('Ok', 'ka.verb=create')}`]);
    expect(set.rules.map((r) => r.name)).toEqual(['Ok']);
    expect(set.skipped.map((s) => s.rule)).toEqual(['Syscall', 'Unknown']);
  });

  it.each([
    [rule('Bad', 'ka.future.field=1'), /f0\.yaml: rule Bad: unknown field ka.future.field/],
    [rule('Bad', 'ka.verb=create').replace('WARNING', 'LOUD'), /unknown Falco priority/],
    ['- rule: Missing\n  append: true\n  condition: x\n', /modifies a rule that is not defined/],
    ['- list: l\n  items: [a]\n  append: true\n', /appends to a list that is not defined/],
    [rule('Bad', 'ka.verb=create').replace('by %ka.user.name', 'by %ka.nope'), /unknown field %ka.nope/],
  ])('rejects %#', (text, message) => {
    expect(() => load([text])).toThrow(message);
  });

  it('maps priorities and formats the output', () => {
    const set = load([rule('A', 'ka.verb=create').replace('WARNING', 'informational')]);
    expect(falcoAlert(set.rules[0], event)).toEqual({ rule: 'A', priority: 'info', time: raw.stageTimestamp, principal: 'bob', summary: 'A by bob', evidence: ['f-1'], stage: 'expose', falcoPriority: 'Informational' });
  });
});
