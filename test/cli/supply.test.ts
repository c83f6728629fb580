// Supply chain end to end: the real helm renders, kubeward reads Chart.yaml, Chart.lock and the repository a chart came from.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { chartYaml, writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';
import { serveFiles, type FileServer } from '../helpers/http.js';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      containers:
      - {name: app, image: "ghcr.io/acme/web:1.0"}
      - {name: helper, image: "docker.io/fast-trace/helper:2.0"}
`;

/** A chart with a dependency from a public repository, a look-alike from another, a local one, and a lock file. */
const SHOP = {
  'shop/Chart.yaml': chartYaml(
    'shop',
    `dependencies:
  - name: redis
    version: 19.0.0
    repository: https://charts.bitnami.com/bitnami
  - name: cert-manger
    version: 1.0.0
    repository: oci://charts.evil.example/charts
  - name: local
    version: 0.1.0
    repository: file://../local
`,
  ),
  'shop/Chart.lock': `dependencies:
- name: redis
  repository: https://charts.bitnami.com/bitnami
  version: 19.0.0
- name: cert-manger
  repository: oci://charts.evil.example/charts
  version: 1.0.0
- name: local
  repository: file://../local
  version: 0.1.0
digest: sha256:0000000000000000000000000000000000000000000000000000000000000000
generated: "2026-01-01T00:00:00Z"
`,
  'shop/charts/redis/Chart.yaml': chartYaml('redis'),
  'shop/charts/cert-manger/Chart.yaml': chartYaml('cert-manger'),
  'shop/charts/local/Chart.yaml': chartYaml('local'),
  'shop/templates/deployment.yaml': DEPLOYMENT,
};
const CONFIG = `allowedRegistries: [ghcr.io/acme]
allowedRepositories:
  - url: https://charts.bitnami.com/bitnami
    reason: redis, reviewed 2026-03
  - {url: "https://charts.internal.example", internal: true}
`;

type Json = { findings: { ruleId: string; severity: string; message: string; location?: { file: string; line?: number }; object: { kind: string; name: string } }[]; metrics: { name: string; value: unknown; detail?: string }[] };

describe('kubeward scan: supply chain of a local chart', () => {
  const tree = writeTree({ ...SHOP, '.kubeward.yaml': CONFIG });

  it('reports images and dependencies outside the allow-lists and the look-alike, at the Chart.yaml line', async () => {
    const result = await runCli(['scan', 'shop', '--format', 'json'], { cwd: tree });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Json;
    const supply = report.findings.filter((finding) => ['image-registry-not-allowed', 'chart-repository-not-allowed', 'chart-typosquatting'].includes(finding.ruleId));
    expect(supply.map((finding) => [finding.ruleId, finding.severity, `${finding.object.kind} ${finding.object.name}`, finding.location])).toEqual([
      ['chart-repository-not-allowed', 'high', 'Chart shop', { file: 'shop/Chart.yaml', line: 10 }],
      ['chart-typosquatting', 'high', 'Chart shop', { file: 'shop/Chart.yaml', line: 10 }],
      ['image-registry-not-allowed', 'high', 'Deployment web', { file: 'shop/templates/deployment.yaml', line: 13 }],
    ]);
    expect(supply[1].message).toBe(
      'dependency "cert-manger" of chart "shop" is one edit from the well-known chart "cert-manager" (cert-manager) but comes from oci://charts.evil.example/charts, not from its home https://charts.jetstack.io or oci://quay.io/jetstack/charts: a look-alike, as typosquatting charts are',
    );
    expect(report.metrics).toEqual([
      { name: 'allowed external chart repositories', value: 1, detail: 'https://charts.bitnami.com/bitnami' },
      { name: 'chart repositories used', value: 2, detail: 'https://charts.bitnami.com/bitnami, oci://charts.evil.example/charts' },
      { name: 'image registries used', value: 2, detail: 'docker.io, ghcr.io' },
    ]);
    const keys = Object.keys(JSON.parse(result.stdout));
    expect(keys.slice(0, 4)).toEqual(['kubeward', 'findings', 'summary', 'metrics']);
  });

  it('prints the metrics in the table summary', async () => {
    const result = await runCli(['scan', 'shop'], { cwd: tree });
    expect(result.stdout).toContain('\nallowed external chart repositories: 1 (https://charts.bitnami.com/bitnami)\nchart repositories used: 2 (https://charts.bitnami.com/bitnami, oci://charts.evil.example/charts)\nimage registries used: 2 (docker.io, ghcr.io)\n');
  });

  it('reads Chart.yaml inside a packaged chart', async () => {
    const helm = await findTool('helm');
    const out = mkdtempSync(join(tmpdir(), 'kw-pkg-'));
    execFileSync(helm, ['package', join(tree, 'shop'), '--destination', out]);
    const result = await runCli(['scan', join(out, 'shop-0.1.0.tgz'), '--format', 'json', '--config', join(tree, '.kubeward.yaml')], { cwd: out });
    const report = JSON.parse(result.stdout) as Json;
    expect(report.findings.filter((finding) => finding.object.kind === 'Chart').map((finding) => [finding.ruleId, finding.location])).toEqual([
      ['chart-repository-not-allowed', { file: 'shop-0.1.0.tgz' }],
      ['chart-typosquatting', { file: 'shop-0.1.0.tgz' }],
    ]);
  });

  it('a malformed allow-list is one line, exit 2', async () => {
    const cases = [
      ['allowedRegistries: [https://ghcr.io]\n', 'allowedRegistries[0]: "https://ghcr.io" has a scheme: name the registry host alone (ghcr.io)'],
      ['allowedRegistries: ghcr.io\n', 'allowedRegistries must be a list of registries'],
      ['allowedRegistries: [bitnami]\n', 'allowedRegistries[0]: "bitnami" does not start with a registry host (Docker Hub images are docker.io/bitnami)'],
      ['allowedRepositories: [charts.example.com]\n', 'allowedRepositories[0]: "charts.example.com" is not a URL'],
    ];
    await Promise.all(
      cases.map(async ([config, message]) => {
        const project = writeTree({ ...SHOP, '.kubeward.yaml': config });
        const result = await runCli(['scan', 'shop'], { cwd: project });
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).toContain(`kubeward: ${join(project, '.kubeward.yaml')}: ${message}`);
      }),
    );
  });
});

describe('kubeward scan: charts from a repository', () => {
  let server: FileServer;
  let url: string;
  const home = mkdtempSync(join(tmpdir(), 'kw-supply-helm-'));
  const env = { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };

  beforeAll(async () => {
    const helm = await findTool('helm');
    const repoDir = mkdtempSync(join(tmpdir(), 'kw-supply-repo-'));
    const charts = writeTree({ 'ingress-ngnix/Chart.yaml': chartYaml('ingress-ngnix'), 'ingress-ngnix/templates/deployment.yaml': DEPLOYMENT });
    execFileSync(helm, ['package', join(charts, 'ingress-ngnix'), '--destination', repoDir]);
    server = await serveFiles(repoDir);
    url = server.url;
    execFileSync(helm, ['repo', 'index', repoDir, '--url', url]);
    // Asynchronously: the repository is served by this very process.
    await promisify(execFile)(helm, ['repo', 'add', 'lookalike', url], { env: { ...process.env, ...env } });
  });
  afterAll(() => server.close());

  it.each([
    ['--repo URL name', () => ['ingress-ngnix', '--repo', url]],
    ['repo/chart, the repository resolved from helm repo list', () => ['lookalike/ingress-ngnix']],
  ])('knows where the chart came from: %s', async (_name, args) => {
    const project = writeTree({ '.kubeward.yaml': 'allowedRepositories: [https://kubernetes.github.io/ingress-nginx]\n' });
    const result = await runCli(['scan', ...args(), '--format', 'json'], { cwd: project, env });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as Json;
    const chart = report.findings.filter((finding) => finding.object.kind === 'Chart');
    expect(chart.map((finding) => [finding.ruleId, finding.location])).toEqual([
      ['chart-repository-not-allowed', undefined],
      ['chart-typosquatting', undefined],
    ]);
    expect(chart[0].message).toBe(`chart "ingress-ngnix" comes from ${url}, which allowedRepositories does not list`);
    expect(chart[1].message).toContain(`is one edit from the well-known chart "ingress-nginx" (Kubernetes ingress-nginx controller) but comes from ${url}, not from its home https://kubernetes.github.io/ingress-nginx`);
    expect(report.metrics.find((metric) => metric.name === 'chart repositories used')).toEqual({ name: 'chart repositories used', value: 1, detail: url });
  });
});
