import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containersOf } from '../../src/core/workload.js';
import { loadSources } from '../../src/load/sources.js';
import { findTool } from '../../src/load/tools.js';
import { chartYaml, writeTree } from '../helpers/chart.js';
import { REPO, runCli } from '../helpers/cli.js';
import { gzippedTar } from '../helpers/tar.js';

const TROJAN = join(REPO, 'test/fixtures/charts/fast-trace-agent');

describe('rendering charts with the real helm', () => {
  it('renders templates, subcharts and hooks with the release name and namespace, and records provenance', async () => {
    const { inventory } = await loadSources([TROJAN], { namespace: 'checkout', release: 'tracing' });
    const summary = inventory.objects.map((object) => `${object.kind} ${object.metadata.namespace ?? '-'}/${object.metadata.name}`).sort();
    expect(summary).toEqual([
      'ClusterRole -/tracing-fast-trace-agent-reader',
      'ClusterRoleBinding -/tracing-fast-trace-agent-reader',
      'DaemonSet checkout/tracing-shipper',
      'Deployment checkout/tracing-fast-trace-agent',
      'Job checkout/tracing-fast-trace-agent-setup',
      'ServiceAccount checkout/tracing-fast-trace-agent',
    ]);
    const daemonSet = inventory.byKind('DaemonSet')[0];
    expect(inventory.provenanceOf(daemonSet)).toMatchObject({
      origin: 'chart',
      template: 'fast-trace-agent/charts/shipper/templates/daemonset.yaml',
      file: 'test/fixtures/charts/fast-trace-agent/charts/shipper/templates/daemonset.yaml',
      line: 2,
    });
    const job = inventory.byKind('Job')[0];
    expect(inventory.provenanceOf(job)?.hooks).toEqual(['pre-install', 'pre-upgrade']);
    expect(inventory.provenanceOf(inventory.byKind('Deployment')[0])?.hooks).toBeUndefined();
    // The binding names the ServiceAccount in the release namespace, as the template asked.
    const binding = inventory.byKind('ClusterRoleBinding')[0] as unknown as { subjects: { namespace: string }[] };
    expect(binding.subjects[0].namespace).toBe('checkout');
  });

  it('maps a field of a rendered object back to its template line', async () => {
    const { inventory } = await loadSources([TROJAN], { release: 'tracing' });
    const deployment = inventory.byKind('Deployment')[0];
    const provenance = inventory.provenanceOf(deployment)!;
    const helper = containersOf(deployment).find((ref) => ref.container.name === 'helper')!;
    expect(provenance.line).toBe(2);
    expect(provenance.locate!([...helper.path, 'securityContext', 'privileged'])).toBe(27);
    // A templated value is found by its key: the second `image:` of the template.
    expect(provenance.locate!([...helper.path, 'image'])).toBe(25);
  });

  it('passes values files, --set and --set-string to helm', async () => {
    const values = join(mkdtempSync(join(tmpdir(), 'kw-values-')), 'values.yaml');
    writeFileSync(values, 'image:\n  tag: "9.9.9"\n');
    const { inventory } = await loadSources([TROJAN], { values: [values], set: ['sidecar.enabled=false'], setString: ['image.repository=0123'] });
    const containers = containersOf(inventory.byKind('Deployment')[0]).map((ref) => ref.container.image);
    expect(containers).toEqual(['0123:9.9.9']);
  });

  it('passes --kube-version and --api-versions for Capabilities, and includes CRDs', async () => {
    const chart = writeTree({
      'Chart.yaml': chartYaml('caps'),
      'crds/widget.yaml': 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  scope: Cluster\n  names: {kind: Widget, plural: widgets}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n',
      'templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caps\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n  mesh: {{ .Capabilities.APIVersions.Has "mesh.example.com/v1" | quote }}\n',
      'templates/widget.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
    });
    const { inventory } = await loadSources([chart], { kubeVersion: 'v1.31.2', apiVersions: ['mesh.example.com/v1'], namespace: 'apps' });
    expect(inventory.byKind('ConfigMap')[0].data).toEqual({ kube: 'v1.31.2', mesh: 'true' });
    expect(inventory.byKind('CustomResourceDefinition')).toHaveLength(1);
    // The CRD says Widget is cluster-scoped, so it does not get the release namespace.
    expect(inventory.byKind('Widget')[0].metadata.namespace).toBeUndefined();
    expect(inventory.byKind('ConfigMap')[0].metadata.namespace).toBe('apps');
  });

  it('renders a packaged chart (.tgz) the same as its directory', async () => {
    const helm = await findTool('helm');
    const out = mkdtempSync(join(tmpdir(), 'kw-pkg-'));
    execFileSync(helm, ['package', TROJAN, '--destination', out]);
    const archive = join(out, readdirSync(out)[0]);
    const [fromArchive, fromDirectory] = await Promise.all([loadSources([archive]), loadSources([TROJAN])]);
    const names = (objects: readonly { kind: string; metadata: { name?: string } }[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names(fromArchive.inventory.objects)).toEqual(names(fromDirectory.inventory.objects));
    expect(fromArchive.inventory.provenanceOf(fromArchive.inventory.objects[0])?.file).toMatch(/^fast-trace-agent\//);
  });
});

describe('hostile or broken charts: one line, exit 2, nothing written', () => {
  const archive = (entries: Parameters<typeof gzippedTar>[0]) => {
    const file = join(mkdtempSync(join(tmpdir(), 'kw-tgz-')), 'chart.tgz');
    writeFileSync(file, gzippedTar(entries));
    return file;
  };
  const base = [
    { name: 'evil/Chart.yaml', content: chartYaml('evil') },
    { name: 'evil/templates/cm.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' },
  ];

  it.each([
    ['a ../ path', [...base, { name: 'evil/../../etc/cron.d/x', content: 'boom' }], /refused chart archive: entry "evil\/\.\.\/\.\.\/etc\/cron\.d\/x" points outside the chart/],
    ['an absolute path', [...base, { name: '/tmp/kw-owned', content: 'boom' }], /refused chart archive: entry "\/tmp\/kw-owned" points outside the chart/],
    ['a symbolic link', [...base, { name: 'evil/templates/link.yaml', type: '2' as const, linkTarget: '/etc/passwd' }], /refused chart archive: entry "evil\/templates\/link\.yaml" is a symbolic link/],
    ['a hard link', [...base, { name: 'evil/templates/hard.yaml', type: '1' as const, linkTarget: 'evil/Chart.yaml' }], /is a hard link/],
  ])('refuses a .tgz with %s', async (_name, entries, message) => {
    const output = join(mkdtempSync(join(tmpdir(), 'kw-out-')), 'report.json');
    const result = await runCli(['scan', archive(entries), '--format', 'json', '--output', output]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(join(output, '..'))).toEqual([]);
  });

  it('reports a template helm cannot render with helm\'s own message', async () => {
    const chart = writeTree({ 'Chart.yaml': chartYaml('broken'), 'templates/x.yaml': 'kind: {{ .Values.nope.deeper }}\n' });
    const result = await runCli(['scan', chart]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^kubeward: helm could not render .*: Error: broken\/templates\/x\.yaml:1:16 .*nil pointer evaluating interface \{\}\.deeper$/m);
  });

  it('reports a dependency that is declared but not vendored, without touching the network', async () => {
    const chart = writeTree({ 'Chart.yaml': chartYaml('needs-dep', 'dependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://charts.example.invalid\n'), 'templates/x.yaml': '' });
    const result = await runCli(['scan', chart]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/missing in charts\/ directory: redis/);
  });

  it('stops a template that loops forever at --timeout', async () => {
    const chart = writeTree({
      'Chart.yaml': chartYaml('loop'),
      'templates/x.yaml': '{{- range until 100000 }}{{- range until 100000 }}{{- range until 100000 }}{{ end }}{{ end }}{{ end }}\n',
    });
    const result = await runCli(['scan', chart, '--timeout', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('kubeward: helm did not finish within 2s (a template that loops?); raise it with --timeout');
  });

  it('stops a template whose output explodes in memory', async () => {
    const chart = writeTree({
      'Chart.yaml': chartYaml('bomb'),
      'templates/x.yaml': '{{- $s := "xxxxxxxx" }}{{- range until 40 }}{{- $s = printf "%s%s" $s $s }}{{- end }}{{ $s }}\n',
    });
    const result = await runCli(['scan', chart, '--max-render-memory', '256']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('kubeward: helm used more than 256 MiB of memory (a template that explodes?); refused');
  });
  it("runs helm with Go's collector set to run less often, under half the memory limit, unless the user set it", async () => {
    const chart = writeTree({ 'Chart.yaml': chartYaml('env'), 'templates/x.yaml': '' });
    // A helm that writes down the Go settings it was given (and renders nothing).
    const helm = join(writeTree({ helm: '#!/bin/sh\nprintf "%s|%s\\n" "$GOGC" "$GOMEMLIMIT" >> "$KW_ENV_OUT"\n' }), 'helm');
    execFileSync('chmod', ['+x', helm]);
    const record = (folder: string) => readFileSync(join(folder, 'env'), 'utf8').trim().split('\n');
    const ours = mkdtempSync(join(tmpdir(), 'kubeward-env-'));
    const result = await runCli(['scan', chart, '--max-render-memory', '100', '--format', 'json'], { env: { KUBEWARD_HELM: helm, KW_ENV_OUT: join(ours, 'env'), GOGC: undefined, GOMEMLIMIT: undefined } });
    expect(result.code, result.stderr).toBe(0);
    // The user's render and the two probe renders.
    expect(record(ours)).toEqual(['400|52428800', '400|52428800', '400|52428800']);
    const theirs = mkdtempSync(join(tmpdir(), 'kubeward-env-'));
    await runCli(['scan', chart, '--format', 'json'], { env: { KUBEWARD_HELM: helm, KW_ENV_OUT: join(theirs, 'env'), GOGC: '100', GOMEMLIMIT: undefined } });
    expect(record(theirs)).toEqual(['100|', '100|', '100|']);
  });
});
