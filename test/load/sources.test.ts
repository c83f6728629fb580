import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectSource, loadSources } from '../../src/load/sources.js';
import { chartYaml, writeTree } from '../helpers/chart.js';
import { REPO, runCli } from '../helpers/cli.js';

const DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      serviceAccountName: web\n      containers: [{name: app, image: "web:1.0"}]\n';

describe('detectSource', () => {
  const tree = writeTree({
    'chart/Chart.yaml': chartYaml('c'),
    'kust/kustomization.yaml': 'resources: []\n',
    'plain/a.yaml': DEPLOYMENT,
    'file.yaml': DEPLOYMENT,
    'packaged.tgz': '',
  });
  it.each([
    ['-', 'stdin'],
    [join(tree, 'chart'), 'chart'],
    [join(tree, 'kust'), 'kustomize'],
    [join(tree, 'plain'), 'directory'],
    [join(tree, 'file.yaml'), 'manifests'],
    [join(tree, 'packaged.tgz'), 'chart-archive'],
    ['bitnami/redis', 'remote-chart'],
    ['oci://registry.example.com/charts/app', 'remote-chart'],
  ])('%s is %s', (path, kind) => {
    expect(detectSource(path)).toBe(kind);
  });
  it('a name that is neither on disk nor a chart reference is an error', () => {
    expect(() => detectSource(join(tree, 'missing.yaml'))).toThrowError(/missing\.yaml: no such file or directory/);
  });
  it('any name with --repo is a remote chart', () => {
    expect(detectSource('redis', { repo: 'https://charts.example.com' })).toBe('remote-chart');
  });
  it.each(['manifests/missing.yaml', 'out/dump.json', 'charts/app-1.0.0.tgz', './charts/app', '../app'])('%s, missing, reads like a path (never a chart reference, with or without --repo): no such file', (path) => {
    for (const options of [{}, { repo: 'https://charts.example.com' }]) expect(() => detectSource(path, options)).toThrowError(new RegExp(`^${path.replace(/[.]/g, '\\.')}: no such file or directory$`));
  });
  it('a symbolic link to nothing, or links that loop, are named as such', () => {
    symlinkSync(join(tree, 'gone.yaml'), join(tree, 'dangling.yaml'));
    symlinkSync(join(tree, 'loop-b'), join(tree, 'loop-a'));
    symlinkSync(join(tree, 'loop-a'), join(tree, 'loop-b'));
    for (const link of ['dangling.yaml', 'loop-a']) expect(() => detectSource(join(tree, link))).toThrowError(/: a symbolic link to nothing \(its target does not exist, or the links loop\)$/);
  });
});

describe('loadSources', () => {
  it('walks directories recursively in order, reading .yaml, .yml and .json, rendering nested charts', async () => {
    const tree = writeTree({
      'b/deploy.yml': DEPLOYMENT,
      'a/sa.json': JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } }),
      'a/notes.txt': 'not a manifest',
      'a/.git/config.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: never}\n',
      'c/chart/Chart.yaml': chartYaml('nested'),
      'c/chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n',
      'node_modules/x/y.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: never}\n',
    });
    const { inventory } = await loadSources([tree], { namespace: 'team', release: 'r1' });
    expect(inventory.objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual(['ServiceAccount/web', 'Deployment/web', 'ConfigMap/r1-cm']);
    expect(inventory.objects.every((object) => object.metadata.namespace === 'team')).toBe(true);
    expect(inventory.provenanceOf(inventory.objects[1])).toMatchObject({ origin: 'file', line: 1 });
    expect(inventory.provenanceOf(inventory.objects[1])?.file).toMatch(/b\/deploy\.yml$/);
  });

  it('puts namespaced objects without a namespace in the default namespace, and strips it from cluster-scoped ones', async () => {
    const file = join(writeTree({ 'm.yaml': `${DEPLOYMENT}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: ignored}\nrules: []\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n` }), 'm.yaml');
    const { inventory } = await loadSources([file]);
    expect(inventory.objects.map((object) => object.metadata.namespace)).toEqual(['default', undefined, undefined]);
    expect(inventory.namespaces()).toEqual(['default', 'shop']);
  });

  it('renders a kustomization with kubectl kustomize', async () => {
    const tree = writeTree({
      'kustomization.yaml': 'namespace: prod\nnamePrefix: prod-\nresources: [deploy.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
    });
    const { inventory, sources } = await loadSources([tree]);
    expect(sources[0].kind).toBe('kustomize');
    expect(inventory.objects.map((object) => `${object.metadata.namespace}/${object.metadata.name}`)).toEqual(['prod/prod-web']);
    expect(inventory.provenanceOf(inventory.objects[0])).toMatchObject({ origin: 'kustomize' });
  });

  it('reports a broken kustomization in one line', async () => {
    const tree = writeTree({ 'kustomization.yaml': 'resources: [missing.yaml]\n' });
    await expect(loadSources([tree])).rejects.toThrowError(/^kustomize could not build .*: .*missing\.yaml/);
  });

  it('refuses a file over the size limit', async () => {
    const file = join(writeTree({ 'big.yaml': `${DEPLOYMENT}# ${'x'.repeat(2 * 1024 * 1024)}\n` }), 'big.yaml');
    await expect(loadSources([file], { maxFileBytes: 1024 * 1024 })).rejects.toThrowError(/big\.yaml: 2\.0 MiB is over the 1 MiB limit; raise it with --max-file-size/);
  });
});

describe('stdin and bad input through the CLI', () => {
  it('reads YAML from stdin', async () => {
    const result = await runCli(['scan', '-', '--format', 'json'], { input: DEPLOYMENT.replace('web:1.0', 'web:latest') });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    const latest = report.findings.filter((finding: { ruleId: string }) => finding.ruleId === 'image-latest-tag');
    expect(latest.map((finding: { location: unknown }) => finding.location)).toEqual([{ file: '-', line: 10 }]);
  });

  it('reads a kubectl JSON List from stdin', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } }] };
    const result = await runCli(['scan', '-', '--format', 'json'], { input: JSON.stringify(list) });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.summary.high).toBe(1);
    expect(report.findings.find((finding: { severity: string }) => finding.severity === 'high')).toMatchObject({ ruleId: 'privileged-container', object: { kind: 'Pod', namespace: 'x', name: 'p' } });
  });

  it.each([
    ['malformed YAML', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n', /^kubeward: -:\d: invalid YAML/],
    ['an alias bomb', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n${'bcdefghij'.split('').map((c, i) => `  ${c}: &${c} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(',')}]`).join('\n')}\n`, /^kubeward: -:1: refused YAML/],
  ])('one line and exit 2 for %s, and no report file', async (_name, input, message) => {
    const directory = mkdtempSync(join(tmpdir(), 'kw-bad-'));
    const result = await runCli(['scan', '-', '--output', join(directory, 'out.sarif'), '--format', 'sarif'], { input });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('warns about a document that is not a Kubernetes object and goes on', async () => {
    const result = await runCli(['scan', '-'], { input: `${DEPLOYMENT}---\nfoo: bar\n` });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('kubeward: warning: -:12: skipped a document that is not a Kubernetes object (no apiVersion and kind)\n');
  });

  it('names a missing file and exits 2', async () => {
    const result = await runCli(['scan', 'does/not/exist.yaml']);
    expect(result).toMatchObject({ code: 2, stderr: 'kubeward: does/not/exist.yaml: no such file or directory\n' });
  });

  it('exits 2 on an unknown flag or format', async () => {
    expect((await runCli(['scan', '-', '--frobnicate'])).code).toBe(2);
    const format = await runCli(['scan', '-', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format.*xml.*is invalid/);
  });

  it('the README example runs from the repository', async () => {
    const result = await runCli(['scan', 'test/fixtures/charts/fast-trace-agent', '-n', 'checkout', '--release', 'tracing'], { cwd: REPO });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Deployment checkout/tracing-fast-trace-agent');
  });
});

describe('writing reports', () => {
  it('writes --output atomically and leaves no temporary file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'kw-out-'));
    writeFileSync(join(directory, 'm.yaml'), DEPLOYMENT);
    const result = await runCli(['scan', 'm.yaml', '--format', 'json', '--output', 'report.json'], { cwd: directory });
    expect(result.code).toBe(0);
    expect(readdirSync(directory).sort()).toEqual(['m.yaml', 'report.json']);
  });
});
