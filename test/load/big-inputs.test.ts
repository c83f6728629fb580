import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/finding.js';
import { parseHelmOutput } from '../../src/load/helm.js';
import { loadSources } from '../../src/load/sources.js';
import { ConnectionSet } from '../../src/netpol/connections.js';
import { connectionList } from '../../src/netpol/connlist.js';
import { buildReport, render, renderParts } from '../../src/report/index.js';
import { writeTree } from '../helpers/chart.js';

/**
 * Dumps of big clusters are what users bring: more objects than a function call takes arguments
 * (V8 stops near 120,000), and reports longer than a string can be. Each size here broke before.
 */
const COUNT = 150_000;

describe('valid big inputs', () => {
  it(`loads a JSON List of ${COUNT.toLocaleString('en')} objects (a 14 MB cluster dump) and locates the last one`, async () => {
    const items = Array.from({ length: COUNT }, (_, index) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${index}`, namespace: `ns-${index % 50}` }, data: { a: 'b' } }));
    const tree = writeTree({});
    const file = join(tree, 'dump.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 1));
    const { inventory } = await loadSources([file]);
    expect(inventory.objects).toHaveLength(COUNT);
    const last = inventory.objects[COUNT - 1];
    // One line per `{`, key and `}` of each item, as JSON.stringify(…, null, 1) writes them.
    expect(inventory.provenanceOf(last)!.locate!(['data', 'a'])).toBe(5 + (COUNT - 1) * 11 + 8);
  });

  it(`reads a stream of ${COUNT.toLocaleString('en')} documents, as helm prints a chart that renders them`, () => {
    const text = `---\n# Source: big/templates/cm.yaml\n${Array.from({ length: COUNT }, (_, index) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${index}\n`).join('---\n')}`;
    const { objects } = parseHelmOutput(text, { chart: 'big' });
    expect(objects).toHaveLength(COUNT);
    expect(objects[COUNT - 1].object.metadata.name).toBe(`cm-${COUNT - 1}`);
  });

  it(`renders reports of ${COUNT.toLocaleString('en')} findings and warnings; JSON and SARIF in parts of a bounded number of findings`, () => {
    const finding: Finding = {
      ruleId: 'privileged-container',
      severity: 'high',
      title: 'Privileged container',
      message: 'container "c" runs privileged: root on the node it lands on',
      object: { apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: 'p' },
      location: { file: 'dump.json', line: 1 },
      stage: 'fortify',
      suppressed: false,
    };
    const many = Array.from({ length: COUNT }, () => finding);
    // The table measured its widest rule id with Math.max(...findings): past ~125,000 that overflows the stack.
    expect(render(buildReport({ sources: ['dump.json'], findings: many, rules: [] }), 'table')).toMatch(/150000 findings: 150000 high\.\n$/);
    // Markdown listed its warnings with push(...warnings).
    expect(render(buildReport({ sources: ['dump.json'], findings: [], rules: [], warnings: many.map((_, index) => `w${index}`) }), 'markdown')).toContain('- w149999');
    // JSON and SARIF are made part by part as they are written, each the size of a bounded number of
    // findings (one for SARIF, at most 128 for JSON): a report past 512 MB is never one string, nor all
    // in memory at once.
    const report = buildReport({ sources: ['dump.json'], findings: many.slice(0, 10_000), rules: [] });
    for (const format of ['json', 'sarif']) {
      const parts = [...renderParts(report, format)];
      expect(parts.length).toBeGreaterThan(10_000 / 128);
      expect(parts.reduce((longest, part) => Math.max(longest, part.length), 0)).toBeLessThan(128 * 4096);
      expect(parts.join('')).toBe(render(report, format));
    }
    expect(JSON.parse(render(report, 'json')).findings).toHaveLength(10_000);
  });

  it('analyses a NetworkPolicy of 32,768 ports and 236 ipBlocks (one union per rule, not per port)', async () => {
    const ports = Array.from({ length: 32_768 }, (_, index) => ({ protocol: 'TCP', port: 2 * index + 1 }));
    const peers = Array.from({ length: 236 }, (_, index) => ({ ipBlock: { cidr: `10.${index}.0.0/16`, except: [`10.${index}.1.0/24`] } }));
    const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'big', namespace: 'default' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: peers, ports }] } };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } };
    const tree = writeTree({ 'np.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [policy, pod] }) });
    const { inventory } = await loadSources([join(tree, 'np.json')]);
    const list = connectionList(inventory);
    const toBlock = list.connections.find((connection) => connection.dst.startsWith('10.5.0.0-'));
    expect(toBlock?.conn.ports('TCP').bounds.length).toBe(2 * 32_768);
    expect(toBlock?.conn.contains('TCP', 65_535)).toBe(true);
    expect(toBlock?.conn.contains('TCP', 2)).toBe(false);
    // The same set as one union per port.
    let slow = ConnectionSet.NONE;
    for (const { port } of ports.slice(0, 2000)) slow = slow.union(ConnectionSet.of('TCP', port));
    expect(ConnectionSet.ofRanges(ports.slice(0, 2000).map(({ port }) => ({ protocol: 'TCP' as const, start: port }))).equals(slow)).toBe(true);
  });
});
