import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Inventory } from '../../src/core/inventory.js';
import type { KubeObject } from '../../src/core/object.js';
import { readHistory } from '../../src/load/posture.js';
import { listConnections } from '../../src/netpol/connlist.js';
import { coverage } from '../../src/netpol/index.js';
import { connectivityMatrix } from '../../src/posture/connectivity.js';
import { attackStepOf, detectionSection } from '../../src/posture/detection.js';
import { durationText, metric } from '../../src/posture/metrics.js';
import { POSTURE_SCHEMA } from '../../src/posture/model.js';
import { jsonIsland } from '../../src/report/html.js';
import { trendWords } from '../../src/report/posture-html.js';
import { writeTree } from '../helpers/chart.js';

function pod(namespace: string, name: string, labels: Record<string, string>, owner?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, labels, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, controller: true }] } : {}) },
    spec: { containers: [{ name: 'c', image: 'app:1' }] },
  } as KubeObject;
}

const policy = (namespace: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec }) as KubeObject;

describe('connectivity matrix', () => {
  // a: web and api (api only from web), b: default-deny; one owner whose two pods are labelled differently (two classes)
  const inventory = Inventory.of([
    pod('a', 'web', { tier: 'web' }),
    pod('a', 'api', { tier: 'api' }),
    pod('a', 'mixed-1', { tier: 'web' }, 'mixed'),
    pod('a', 'mixed-2', { tier: 'api' }, 'mixed'),
    pod('b', 'db', { tier: 'db' }),
    pod('b', 'cache', { tier: 'cache' }),
    pod('c', 'free', { tier: 'x' }),
    policy('a', 'api-from-web', { podSelector: { matchLabels: { tier: 'api' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'web' } } }] }] }),
    policy('b', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
  ]);

  it('counts exactly the workload pairs connlist lists, per namespace pair', () => {
    const result = coverage(inventory);
    const matrix = connectivityMatrix(result);
    const names = matrix.namespaces.map((namespace) => namespace.name);
    expect(names).toEqual(['a', 'b', 'c']);
    const namespaceOf = new Map(result.analysis.topology.workloads.map((workload) => [workload.id, workload.namespace]));
    const expected = names.map(() => names.map(() => 0));
    for (const connection of listConnections(result.analysis)) {
      if (!namespaceOf.has(connection.src) || !namespaceOf.has(connection.dst)) continue;
      expected[names.indexOf(namespaceOf.get(connection.src)!)][names.indexOf(namespaceOf.get(connection.dst)!)]++;
    }
    expect(matrix.cells.map((row) => row.map((cell) => cell.allowed))).toEqual(expected);
    // a has 3 workloads: 6 ordered pairs; b is closed both ways
    expect(matrix.cells[0][0].possible).toBe(6);
    expect(matrix.cells[1].map((cell) => cell.allowed)).toEqual([0, 0, 0]);
    expect(matrix.cells.map((row) => row[1].allowed)).toEqual([0, 0, 0]);
  });

  it('the same counts when no workload spans two classes (the fast path)', () => {
    const simple = Inventory.of(inventory.objects.filter((object) => !object.metadata.name?.startsWith('mixed')));
    const result = coverage(simple);
    const matrix = connectivityMatrix(result);
    const namespaceOf = new Map(result.analysis.topology.workloads.map((workload) => [workload.id, workload.namespace]));
    const names = matrix.namespaces.map((namespace) => namespace.name);
    const expected = names.map(() => names.map(() => 0));
    for (const connection of listConnections(result.analysis)) {
      if (namespaceOf.has(connection.src) && namespaceOf.has(connection.dst)) expected[names.indexOf(namespaceOf.get(connection.src)!)][names.indexOf(namespaceOf.get(connection.dst)!)]++;
    }
    expect(matrix.cells.map((row) => row.map((cell) => cell.allowed))).toEqual(expected);
  });
});

describe('trends and metrics in words', () => {
  const lower = metric('x', 'x', 1, { better: 'lower' });
  it.each([
    [[3, 1], '▲ better than the last run (was 3)'],
    [[1, 3], '▼ worse than the last run (was 1)'],
    [[2, null, 2], 'unchanged over 2 runs'],
    [[5], 'first measurement'],
    [[4, null], 'last measured: 4'],
    [[null], 'no trend yet'],
  ])('%j reads "%s"', (values, words) => expect(trendWords(values as (number | null)[], lower)).toBe(words));

  it.each([
    [0.25, '250ms'],
    [42, '42s'],
    [190, '3m 10s'],
    [18_120, '5h 2m'],
    [1_050_000, '12d 3h'],
  ])('%s seconds read %s', (seconds, text) => expect(durationText(seconds)).toBe(text));
});

describe('detection section', () => {
  it.each([
    [['persistence', 'T1098'], 'install and grant'],
    [['credential-access', 'T1552.007'], 'read Secrets'],
    [['exfiltration', 'credential-access'], 'exfiltrate'],
    [['whatever'], 'other'],
  ])('tags %j place an alert on %s', (tags, step) => expect(attackStepOf(tags)).toBe(step));

  it('alert fidelity is the actionable share of the judged alerts, as detect triage counts it', () => {
    const alert = (id: string, rule: string, time: string) => ({ alert: { id, rule, priority: 'high' as const, time, principal: 'p', summary: 's', evidence: [], stage: 'expose' as const }, firstEventTime: Date.parse(time) - 2000, alertTime: Date.parse(time) });
    const section = detectionSection({
      logs: ['audit.log'],
      events: 10,
      alerts: [alert('a1', 'r1', '2026-03-01T10:00:00Z'), alert('a2', 'r1', '2026-03-01T10:01:00Z'), alert('a3', 'r2', '2026-03-01T10:02:00Z')],
      tagsByRule: new Map([['r2', ['exfiltration']]]),
      verdicts: new Map([
        ['a1', 'true-positive'],
        ['a3', 'false-positive'],
        ['elsewhere', 'true-positive'],
      ] as const),
    });
    expect(section.fidelity).toEqual({ triaged: 2, truePositive: 1, falsePositive: 1, benign: 0, unjudged: 1, noisy: ['r2'] });
    expect(section.alertsByRule).toEqual([{ rule: 'r1', count: 2, priority: 'high' }, { rule: 'r2', count: 1, priority: 'high' }]);
    expect(section.timeline.map((entry) => [entry.id, entry.step, entry.timeToDetectSeconds])).toEqual([['a1', 'other', 2], ['a2', 'other', 2], ['a3', 'exfiltrate', 2]]);
  });
});

describe('data island', () => {
  it('no string ends the script element or hides a control character', () => {
    const hostile = { '</script><b>': ['</script><script>alert(1)</script>', '<!--', '\u2028\u001b', '&amp;'] };
    const text = jsonIsland(hostile);
    expect(text).not.toMatch(/[<>&\u2028\u001b]/);
    expect(JSON.parse(text)).toEqual({ '</script><b>': ['</script><script>alert(1)</script>', '<!--', '\\u2028\\x1b', '&amp;'] });
  });
});

describe('history folder', () => {
  it('reads runs oldest first and skips what is not a run, with a reason', () => {
    const run = (at: string, value: number) => JSON.stringify({ schema: POSTURE_SCHEMA, generatedAt: at, stages: [{ stage: 'recon', metrics: [{ id: 'recon.x', value }, { id: 'recon.y', value: 'NaN' }] }] });
    const dir = writeTree({ 'b.json': run('2026-03-02T00:00:00Z', 2), 'a.json': run('2026-03-01T00:00:00Z', 1), 'c.json': '[]', 'd.txt': 'x', '.x.json.123.tmp': 'partial' });
    writeFileSync(join(dir, 'e.json'), JSON.stringify({ schema: POSTURE_SCHEMA, generatedAt: 'yesterday', stages: [] }));
    const { runs, warnings } = readHistory(dir);
    expect(runs.map((entry) => [entry.generatedAt, entry.report.stages[0].metrics.map((item) => item.value)])).toEqual([
      ['2026-03-01T00:00:00.000Z', [1, null]],
      ['2026-03-02T00:00:00.000Z', [2, null]],
    ]);
    expect(warnings.map((warning) => warning.replace(dir, 'DIR'))).toEqual([
      `--history DIR/c.json: not a kubeward posture report (no "schema": "${POSTURE_SCHEMA}"): skipped`,
      '--history DIR/d.txt: not a kubeward report (.json): skipped',
      '--history DIR/e.json: no valid "generatedAt" time: skipped',
    ]);
    expect(readHistory(join(dir, 'missing'))).toEqual({ runs: [], warnings: [] });
  });
});
