// Fingerprints (rule, object, field path) and --baseline: only what is new counts.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareWithBaseline } from '../../src/core/baseline.js';
import { fieldPathText, fingerprintOf, type Finding } from '../../src/core/finding.js';
import { isRecord } from '../../src/core/object.js';
import type { PathSegment } from '../../src/core/provenance.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { parseBaseline } from '../../src/load/baseline.js';
import { scanInventory } from '../../src/scan.js';
import { emptyConfig } from '../../src/core/config.js';
import { writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';

const deployment = (containers: string, preamble = '') => `${preamble}apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      serviceAccountName: agent
      containers:
${containers}`;
const AGENT = `      - name: agent
        image: agent:1.0
`;
const HELPER = `      - name: helper
        image: helper:latest
        securityContext: {privileged: true}
`;

function scan(text: string): Finding[] {
  return scanInventory(inventoryFromText(text, 'deploy.yaml').inventory, emptyConfig()).findings;
}
const prints = (findings: Finding[]) => findings.map((finding) => `${finding.ruleId} ${finding.fingerprint}`).sort();

describe('fingerprints', () => {
  it('name list items by their name, index those without one', () => {
    const object = { spec: { containers: [{ name: 'a' }, { name: 'helper', ports: [{ containerPort: 80 }] }] } };
    expect(fieldPathText(object, ['spec', 'containers', 1, 'ports', 0, 'containerPort'])).toBe('spec.containers[name=helper].ports[0].containerPort');
    expect(fieldPathText(object, [])).toBe('');
  });

  it('write the text of any sequence of paths, on one object or several, as each alone (walks go on from the last one) (property)', () => {
    // The text each path gets from a walk of its own, for comparison.
    const alone = (root: unknown, path: readonly PathSegment[]): string => {
      let node = root;
      let text = '';
      for (const segment of path) {
        if (typeof segment === 'string') {
          text = text ? `${text}.${segment}` : segment;
          node = isRecord(node) ? node[segment] : undefined;
        } else {
          const item: unknown = Array.isArray(node) ? node[segment] : undefined;
          text = isRecord(item) && typeof item.name === 'string' && item.name ? `${text}[name=${item.name}]` : `${text}[${segment}]`;
          node = item;
        }
      }
      return text;
    };
    const objects = [
      { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'A' }, {}] }, { name: '' }, { image: 'x' }], volumes: [{ name: 'data' }] } } } },
      { spec: { containers: [{ name: 'app' }], '': { containers: [{ name: 'b' }] } } },
      [{ name: 'top' }, 'text'],
    ];
    const segment = fc.constantFrom<PathSegment>('spec', 'template', 'containers', 'env', 'volumes', 'name', 'image', '', 0, 1, 2, 5);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(objects.length - 1), fc.array(segment, { maxLength: 8 })), { minLength: 1, maxLength: 20 }), (questions) => {
        for (const [which, path] of questions) expect(fieldPathText(objects[which], path)).toBe(alone(objects[which], path));
      }),
    );
  });

  it('survive moved lines and reordered containers, and differ by rule, object and field', () => {
    const before = scan(deployment(AGENT + HELPER));
    const moved = scan(deployment(HELPER + AGENT, '# a comment\n\n\n'));
    expect(before.map((finding) => finding.location?.line)).not.toEqual(moved.map((finding) => finding.location?.line));
    expect(prints(moved)).toEqual(prints(before));
    expect(new Set(before.map((finding) => finding.fingerprint)).size).toBe(before.length);
    const renamed = scan(deployment(AGENT + HELPER).replace('name: agent, namespace', 'name: agent2, namespace'));
    const onDeployment = (findings: Finding[]) => prints(findings.filter((finding) => finding.object.kind === 'Deployment'));
    expect(onDeployment(renamed)).toHaveLength(onDeployment(before).length);
    expect(onDeployment(renamed).filter((print) => onDeployment(before).includes(print))).toEqual([]);
  });

  it('ignore the API version (an upgrade to v1 is the same object) but not the group', () => {
    const ref = { apiVersion: 'batch/v1beta1', kind: 'CronJob', namespace: 'a', name: 'b' };
    expect(fingerprintOf('r', ref, 'x')).toBe(fingerprintOf('r', { ...ref, apiVersion: 'batch/v1' }, 'x'));
    expect(fingerprintOf('r', ref, 'x')).not.toBe(fingerprintOf('r', { ...ref, apiVersion: 'other.io/v1' }, 'x'));
    expect(fingerprintOf('r', ref, 'x')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('are the values users keep in their baselines: the algorithm and its input never change', () => {
    // SHA-256 of `kubeward/v1␀rule␀group␀kind␀namespace␀name␀field`, the first 32 hex digits (as of 0.1.0).
    expect(fingerprintOf('image-latest-tag', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, 'spec.template.spec.containers[name=app].image')).toBe('3869a7b52e77d5fb81fbb6c801e5accd');
    expect(fingerprintOf('r', { apiVersion: 'v1', kind: 'Namespace', name: 'x' })).toBe('0cd1f4a3c4119bb140e9c14ac9a4b85a');
    expect(fingerprintOf('r', { apiVersion: 'v1', kind: 'Namespace', name: 'x' })).toBe(createHash('sha256').update('kubeward/v1\u0000r\u0000\u0000Namespace\u0000\u0000x\u0000').digest('hex').slice(0, 32));
  });
});

describe('comparison with a baseline', () => {
  it('is a multiset: a second finding with a known fingerprint is new', () => {
    const [finding] = scan(deployment(HELPER)).filter((entry) => entry.ruleId === 'privileged-container');
    const result = compareWithBaseline([finding, { ...finding }], { source: 'b.json', findings: [{ fingerprint: finding.fingerprint!, ruleId: finding.ruleId, severity: 'high', message: '', object: finding.object }] });
    expect(result.findings.map((entry) => entry.baselineState)).toEqual(['unchanged', 'new']);
    expect(result.summary).toEqual({ source: 'b.json', new: 1, unchanged: 1, fixed: 0 });
  });

  it.each([
    ['not JSON', 'findings: []', 'not JSON'],
    ['SARIF', JSON.stringify({ version: '2.1.0', runs: [] }), 'no "kubeward" version key'],
    ['no findings', JSON.stringify({ kubeward: '0.1.0' }), 'no "findings" list'],
    ['no fingerprints', JSON.stringify({ kubeward: '0.1.0', findings: [{ ruleId: 'x', object: { kind: 'Pod', name: 'p' } }] }), 'findings[0] has no fingerprint'],
  ])('refuses what is not a kubeward report: %s', (_name, text, why) => {
    expect(() => parseBaseline(text, 'old.json')).toThrow(`--baseline old.json is not a kubeward JSON report (${why}`);
  });
});

describe('kubeward scan --baseline', () => {
  it('counts only new findings for the exit code, and marks each finding in every format', async () => {
    const tree = writeTree({ 'deploy.yaml': deployment(AGENT + HELPER) });
    const first = await runCli(['scan', 'deploy.yaml', '--format', 'json', '-o', 'baseline.json'], { cwd: tree });
    expect(first.code).toBe(1);
    const baseline = JSON.parse(readFileSync(join(tree, 'baseline.json'), 'utf8'));
    expect(baseline.findings.every((finding: { fingerprint: string }) => /^[0-9a-f]{32}$/.test(finding.fingerprint))).toBe(true);

    // The same findings, on other lines and in another order: nothing is new, exit 0.
    writeFileSync(join(tree, 'deploy.yaml'), deployment(HELPER + AGENT, '# moved\n'));
    const same = await runCli(['scan', 'deploy.yaml', '--format', 'json', '--baseline', 'baseline.json'], { cwd: tree });
    expect(same.code).toBe(0);
    const sameReport = JSON.parse(same.stdout);
    expect(sameReport.baseline).toEqual({ source: 'baseline.json', new: 0, unchanged: baseline.findings.length, fixed: 0 });
    expect(new Set(sameReport.findings.map((finding: { baselineState: string }) => finding.baselineState))).toEqual(new Set(['unchanged']));

    // A new privileged init container is new; the old helper stays unchanged.
    writeFileSync(join(tree, 'deploy.yaml'), deployment(AGENT + HELPER).replace('      containers:\n', '      initContainers:\n      - {name: setup, image: "setup@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", securityContext: {privileged: true}}\n      containers:\n'));
    const added = await runCli(['scan', 'deploy.yaml', '--format', 'json', '--baseline', 'baseline.json'], { cwd: tree });
    expect(added.code).toBe(1);
    const addedReport = JSON.parse(added.stdout);
    const fresh = addedReport.findings.filter((finding: { baselineState: string }) => finding.baselineState === 'new');
    expect(fresh.map((finding: { ruleId: string; message: string }) => `${finding.ruleId}: ${finding.message}`)).toEqual([
      'privileged-container: init container "setup" runs privileged: root on the node it lands on (breaks Pod Security baseline)',
      'container-resources: init container "setup" sets no memory limit, memory request, CPU request: it can starve its neighbours on the node, and is evicted first',
    ]);
    expect(addedReport.baseline).toMatchObject({ new: 2, fixed: 0 });

    const table = await runCli(['scan', 'deploy.yaml', '--baseline', 'baseline.json'], { cwd: tree });
    expect(table.stdout).toMatch(/privileged-container +container "helper" runs privileged: root on the node it lands on \(breaks Pod Security baseline\) \(in the baseline\)/);
    expect(table.stdout).toMatch(/init container "setup" runs privileged: root on the node it lands on \(breaks Pod Security baseline\)\n/);
    expect(table.stdout).toContain(`2 new since the baseline baseline.json (${baseline.findings.length} unchanged, 0 fixed).`);

    const sarif = JSON.parse((await runCli(['scan', 'deploy.yaml', '--format', 'sarif', '--baseline', 'baseline.json'], { cwd: tree })).stdout);
    const results = sarif.runs[0].results as { ruleId: string; baselineState: string; partialFingerprints: Record<string, string> }[];
    expect(results.filter((result) => result.baselineState === 'new')).toHaveLength(2);
    expect(results.map((result) => result.partialFingerprints['kubewardFingerprint/v1']).sort()).toEqual(addedReport.findings.map((finding: { fingerprint: string }) => finding.fingerprint).sort());

    const markdown = (await runCli(['scan', 'deploy.yaml', '--format', 'markdown', '--baseline', 'baseline.json'], { cwd: tree })).stdout;
    expect(markdown).toContain('**2 findings** new since the baseline `baseline.json`');
    expect(markdown).toContain(`<details><summary>${baseline.findings.length} already in the baseline</summary>`);

    // Removing the helper fixes its findings.
    writeFileSync(join(tree, 'deploy.yaml'), deployment(AGENT));
    const fixed = JSON.parse((await runCli(['scan', 'deploy.yaml', '--format', 'json', '--baseline', 'baseline.json'], { cwd: tree })).stdout);
    expect(fixed.baseline.fixed).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['a SARIF log', JSON.stringify({ version: '2.1.0', runs: [] })],
    ['a missing file', undefined],
  ])('refuses %s in one line, exit 2', async (_name, content) => {
    const tree = writeTree({ 'deploy.yaml': deployment(AGENT), ...(content === undefined ? {} : { 'old.json': content }) });
    const result = await runCli(['scan', 'deploy.yaml', '--baseline', 'old.json'], { cwd: tree });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^kubeward: --baseline old\.json( is not a kubeward JSON report|: cannot read: no such file or directory \(ENOENT\))/);
  });
});
