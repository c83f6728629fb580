import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/detect/audit.js';
import { Detector } from '../../src/detect/detector.js';
import { loadKubewardRules } from '../../src/detect/rules.js';

/** The stateful forms, each with a table of event streams and the alerts they must (not) raise. */
let n = 0;
function ev(second: number, user: string, namespace: string, extra: Record<string, unknown> = {}): AuditEvent {
  const raw = { kind: 'Event', auditID: `e${++n}`, stage: 'ResponseComplete', verb: 'get', user: { username: user }, objectRef: { resource: 'secrets', namespace, name: 's' }, responseStatus: { code: 200 }, ...extra };
  const time = Date.parse('2026-03-01T10:00:00Z') + second * 1000;
  return { source: 'audit', raw, auditID: raw.auditID, stage: 'ResponseComplete', time, timeText: new Date(time).toISOString(), id: raw.auditID };
}

function fire(yaml: string, events: AuditEvent[]) {
  const detector = new Detector({ rules: loadKubewardRules([{ name: 'test.yaml', text: yaml }]) });
  return events.flatMap((e) => detector.process(e)).map((d) => d.alert);
}

const COUNT = `
- rule: burst
  desc: many reads
  priority: high
  condition: ka.target.resource=secrets
  count: {by: "%ka.user.name", within: 10s, threshold: 3}
  summary: "%ka.user.name read %{count} within %{within}"
`;
const DISTINCT = `
- rule: sweep
  desc: many namespaces
  priority: high
  condition: ka.target.resource=secrets
  distinct: {field: ka.target.namespace, by: "%ka.user.name", within: 1m, threshold: 3}
  summary: "%{distinct} namespaces: %{values}"
`;
const SEQUENCE = `
- rule: create-then-read
  desc: created then read
  priority: medium
  sequence:
    within: 1m
    steps:
      - condition: ka.verb=create and ka.target.resource=serviceaccounts
        by: "system:serviceaccount:%ka.target.namespace:%ka.target.name"
      - condition: ka.target.resource=secrets and ka.verb=get
        by: "%ka.user.name"
`;

describe('count', () => {
  it.each([
    ['3 in 10s fires once, with the 3 events', [ev(0, 'a', 'x'), ev(1, 'a', 'x'), ev(2, 'a', 'x')], ['a read 3 within 10s']],
    ['3 spread over more than 10s do not', [ev(0, 'a', 'x'), ev(6, 'a', 'x'), ev(12, 'a', 'x')], []],
    ['keys are separate', [ev(0, 'a', 'x'), ev(1, 'b', 'x'), ev(2, 'a', 'x'), ev(3, 'b', 'x')], []],
    ['fires again after the window restarts', [0, 1, 2, 3, 4, 5].map((s) => ev(s, 'a', 'x')), ['a read 3 within 10s', 'a read 3 within 10s']],
  ])('%s', (_name, events, summaries) => {
    expect(fire(COUNT, events).map((a) => a.summary)).toEqual(summaries);
  });

  it('throttle holds back repeats for the same key', () => {
    const alerts = fire(`${COUNT}  throttle: 1m\n`, [0, 1, 2, 3, 4, 5].map((s) => ev(s, 'a', 'x')));
    expect(alerts).toHaveLength(1);
    expect(alerts[0].evidence).toHaveLength(3);
  });
});

describe('distinct', () => {
  it.each([
    ['3 namespaces fire', [ev(0, 'a', 'n1'), ev(1, 'a', 'n2'), ev(2, 'a', 'n3')], ['3 namespaces: n1, n2, n3']],
    ['the same namespace many times does not', [0, 1, 2, 3, 4].map((s) => ev(s, 'a', 'n1')), []],
    ['values older than the window drop out', [ev(0, 'a', 'n1'), ev(61, 'a', 'n2'), ev(62, 'a', 'n3')], []],
    ['a value seen again stays in', [ev(0, 'a', 'n1'), ev(50, 'a', 'n1'), ev(100, 'a', 'n2'), ev(101, 'a', 'n3')], ['3 namespaces: n1, n2, n3']],
    ['other principals do not add up', [ev(0, 'a', 'n1'), ev(1, 'b', 'n2'), ev(2, 'c', 'n3')], []],
  ])('%s', (_name, events, summaries) => {
    expect(fire(DISTINCT, events).map((a) => a.summary)).toEqual(summaries);
  });
});

describe('sequence', () => {
  const create = (second: number, name: string) => ev(second, 'admin', 'ns', { verb: 'create', objectRef: { resource: 'serviceaccounts', namespace: 'ns', name } });
  it.each([
    ['create then read by that account fires', [create(0, 'bot'), ev(30, 'system:serviceaccount:ns:bot', 'ns')], 1],
    ['read by another account does not', [create(0, 'bot'), ev(30, 'system:serviceaccount:ns:other', 'ns')], 0],
    ['too late does not', [create(0, 'bot'), ev(61, 'system:serviceaccount:ns:bot', 'ns')], 0],
    ['read before create does not (ordered)', [ev(0, 'system:serviceaccount:ns:bot', 'ns'), create(1, 'bot')], 0],
  ])('%s', (_name, events, count) => {
    const alerts = fire(SEQUENCE, events);
    expect(alerts).toHaveLength(count);
    if (count) expect(alerts[0].evidence).toHaveLength(2);
  });

  it('ordered: false accepts either order', () => {
    expect(fire(SEQUENCE.replace('within: 1m', 'within: 1m\n    ordered: false'), [ev(0, 'system:serviceaccount:ns:bot', 'ns'), create(1, 'bot')])).toHaveLength(1);
  });

  it('a step may be the alerts of other rules', () => {
    const yaml = `${COUNT}${DISTINCT}
- rule: both
  desc: burst and sweep
  priority: critical
  sequence:
    within: 5m
    steps:
      - {rule: burst, by: "%ka.user.name"}
      - {rule: [sweep], by: "%ka.user.name"}
  summary: "%{key} did both"
`;
    const alerts = fire(yaml, [ev(0, 'a', 'n1'), ev(1, 'a', 'n1'), ev(2, 'a', 'n1'), ev(3, 'a', 'n2'), ev(4, 'a', 'n3')]);
    expect(alerts.map((a) => a.rule)).toEqual(['burst', 'sweep', 'both']);
    expect(alerts[2].summary).toBe('a did both');
  });
});

describe('rule files', () => {
  it('exceptions, appends and overrides from a later file', () => {
    const base = `
- list: ok_users
  items: [root]
- rule: reads
  desc: a read
  priority: low
  condition: ka.target.resource=secrets and not ka.user.name in (ok_users)
  exceptions:
    - name: ns
      fields: [ka.target.namespace, ka.user.name]
      values: [[quiet, a]]
`;
    const user = `
- list: ok_users
  items: [b]
  append: true
- rule: reads
  priority: high
  override: {priority: replace}
`;
    const rules = loadKubewardRules([
      { name: 'base.yaml', text: base },
      { name: 'user.yaml', text: user },
    ]);
    const detector = new Detector({ rules });
    const alerts = [ev(0, 'a', 'quiet'), ev(1, 'a', 'loud'), ev(2, 'b', 'loud'), ev(3, 'root', 'loud')].flatMap((e) => detector.process(e)).map((d) => d.alert);
    expect(alerts.map((a) => [a.principal, a.priority])).toEqual([['a', 'high']]);
  });

  it.each([
    ['- rule: Bad Name\n  desc: x\n  priority: low\n  condition: ka.verb=get\n', /lower-case words/],
    ['- rule: x\n  desc: x\n  priority: urgent\n  condition: ka.verb=get\n', /priority must be one of/],
    ['- rule: x\n  desc: x\n  priority: low\n  condition: ka.verb=get\n  count: {by: "%ka.user.name", within: soon, threshold: 2}\n', /a duration like/],
    ['- rule: x\n  desc: x\n  priority: low\n  source: dns\n  condition: ka.verb=get\n', /unknown field ka.verb/],
    ['- rule: x\n  desc: x\n  priority: low\n  sequence: {within: 1m, steps: [{rule: nope, by: "%ka.user.name"}, {condition: ka.verb=get, by: "%ka.user.name"}]}\n', /rule nope is not defined/],
    ['- rule: x\n  priority: low\n  append: true\n', /modifies a rule that is not defined/],
    ['rule: x', /YAML list/],
  ])('rejects %j', (text, message) => {
    expect(() => loadKubewardRules([{ name: 'bad.yaml', text }])).toThrow(message);
  });
});
