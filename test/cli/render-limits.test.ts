import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { chartYaml, writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';

/**
 * A render is bounded in objects (--max-render-objects, default 10,000) and bytes (--max-file-size, as
 * every input read whole): a template that loops rendered 300,000 objects, which took 70 s and 2.4 GB,
 * and on a runner with a 512 MB heap node aborted with a native trace instead of one line.
 */
const configMaps = (count: string) => `{{ range $i := until ${count} }}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c{{ $i }}}\n{{ end }}`;
const tree = writeTree({
  'many/Chart.yaml': chartYaml('many'),
  'many/values.yaml': 'count: 10\n',
  'many/templates/a.yaml': configMaps('(int .Values.count)'),
  'many/templates/b.yaml': configMaps('2'),
  // one List document of 30 objects: no `---` to count before it is parsed
  'list/Chart.yaml': chartYaml('list'),
  'list/templates/list.yaml': 'apiVersion: v1\nkind: List\nitems:\n{{- range $i := until 30 }}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c{{ $i }}}}\n{{- end }}\n',
  'default/Chart.yaml': chartYaml('default'),
  'default/templates/a.yaml': configMaps('10001'),
  'big/Chart.yaml': chartYaml('big'),
  'big/templates/a.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {x: "{{ repeat 1200000 "A" }}"}\n`,
  // what a scan costs grows with containers: 3 Deployments of 5 containers each
  'dense/Chart.yaml': chartYaml('dense'),
  'dense/templates/a.yaml': '{{ range $i := until 3 }}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d{{ $i }}}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers:\n{{- range $c := until 5 }}\n      - {name: c{{ $c }}, image: "i:1", securityContext: {privileged: true}}\n{{- end }}\n{{ end }}',
  'kustomized/kustomization.yaml': 'resources: [a.yaml]\n',
  'kustomized/a.yaml': Array.from({ length: 5 }, (_, index) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${index}}\n`).join(''),
});
const refused = (what: string, limit: number) => `kubeward: ${what} renders more than ${limit} objects (a template that loops?); refused: raise the limit with --max-render-objects\n`;

describe.concurrent('a render holds at most --max-render-objects objects', () => {
  it('a chart past the default (10,000) is one line and exit 2, before its objects are read', async ({ expect }) => {
    const result = await runCli(['scan', 'default'], { cwd: tree });
    expect(result.stderr).toBe(refused('default', 10000));
    expect(result.code).toBe(2);
  });

  it.for([
    ['at the limit, counting every template', ['--set', 'count=10', '--max-render-objects', '12'], 0],
    ['one past it', ['--set', 'count=11', '--max-render-objects', '12'], 2],
  ] as [string, string[], number][])('scan, %s', async ([, flags, code], { expect }) => {
    const result = await runCli(['scan', 'many', ...flags, '--fail-on', 'none'], { cwd: tree });
    expect(result.stderr).toBe(code ? refused('many', 12) : '');
    expect(result.code).toBe(code);
  });

  it('a List of more items than the limit, one document: refused while it is read', async ({ expect }) => {
    const result = await runCli(['audit', 'list', '--max-render-objects', '29'], { cwd: tree });
    expect(result.stderr).toBe(refused('list', 29));
    expect(result.code).toBe(2);
  });

  it.for([
    [14, 2],
    [15, 1],
  ] as [number, number][])('the containers of the pod templates count against the limit too: 15 containers, --max-render-objects %i', async ([limit, code], { expect }) => {
    const result = await runCli(['scan', 'dense', '--max-render-objects', String(limit), '--format', 'json'], { cwd: tree });
    expect(result.stderr).toBe(code === 2 ? `kubeward: dense renders more than ${limit} containers in its pod templates (a template that loops?); refused: raise the limit with --max-render-objects\n` : '');
    expect(result.code).toBe(code);
  });

  it('kubectl kustomize', async ({ expect }) => {
    const result = await runCli(['pss', 'kustomized', '--level', 'baseline', '--max-render-objects', '4'], { cwd: tree });
    expect(result.stderr).toBe(refused('kustomized', 4));
    expect(result.code).toBe(2);
  });

  describe('gate (what helm hands the post-renderer)', () => {
    let rendered: string;
    beforeAll(async () => {
      rendered = execFileSync(await findTool('helm'), ['template', 'many', join(tree, 'many'), '--set', 'count=20'], { encoding: 'utf8' });
    });
    it('refuses past the limit: nothing passes to helm', async ({ expect }) => {
      const result = await runCli(['gate', '--max-render-objects', '21'], { cwd: tree, input: rendered });
      expect(result.stderr).toBe(refused('the chart', 21));
      expect(result.stdout).toBe('');
      expect(result.code).toBe(2);
    });
    it('passes at the limit', async ({ expect }) => {
      const result = await runCli(['gate', '--max-render-objects', '22'], { cwd: tree, input: rendered });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(rendered);
    });
  });

  it('a render past --max-file-size is refused while helm prints it (it was a fixed 256 MiB)', async ({ expect }) => {
    const result = await runCli(['scan', 'big', '--max-file-size', '1'], { cwd: tree });
    expect(result.stderr).toBe('kubeward: helm wrote more than 1 MiB of output (a template that loops?); refused: raise the limit with --max-file-size\n');
    expect(result.code).toBe(2);
  });

  it('--max-render-objects takes a positive whole number', async ({ expect }) => {
    const result = await runCli(['scan', 'many', '--max-render-objects', '1.5'], { cwd: tree });
    expect(result.stderr).toMatch(/^kubeward: option '--max-render-objects <count>' argument '1\.5' is invalid\. --max-render-objects must be a positive whole number; run with --help for usage\n$/);
    expect(result.code).toBe(2);
  });
});
