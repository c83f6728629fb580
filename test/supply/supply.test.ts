// Supply chain: image registries, chart repositories, look-alike chart names (pure parts).
import { describe, expect, it } from 'vitest';
import { normalizeRepository, ociRepositoryOf, repositoryUnder, type ChartSource } from '../../src/core/chart.js';
import { parseConfig } from '../../src/core/config.js';
import { parseImage, parseRegistryPattern, registryAllows, type RegistryPattern } from '../../src/core/image.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { editDistance, lookAlikeOf, supplyFindings, WELL_KNOWN_CHARTS } from '../../src/supply/index.js';

const pattern = (text: string) => parseRegistryPattern(text) as RegistryPattern;

describe('allowedRegistries entries', () => {
  it.each([
    ['registry.k8s.io', 'registry.k8s.io/ingress-nginx/controller:v1.11.2', true],
    ['ghcr.io/acme', 'ghcr.io/acme/agent:1', true],
    ['ghcr.io/acme', 'ghcr.io/acme-evil/agent:1', false],
    ['ghcr.io/acme', 'ghcr.io/other/agent:1', false],
    ['docker.io/library', 'nginx:1.27', true],
    ['docker.io/library', 'fast-trace/helper:latest', false],
    ['index.docker.io/bitnami', 'bitnami/redis:7', true],
    ['docker.io', 'fast-trace/helper:latest', true],
    ['*.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:3', true],
    ['*.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:3', false],
    ['*.example.com', 'example.com/app:1', false],
    ['localhost:5000', 'localhost:5000/tools/debug:2.1', true],
    ['localhost:5000', 'localhost:5001/tools/debug:2.1', false],
    ['quay.io/jetstack/', 'quay.io/jetstack/cert-manager-controller:v1.15.0', true],
  ])('%s allows %s: %s', (entry, image, allowed) => {
    expect(registryAllows(pattern(entry), parseImage(image))).toBe(allowed);
  });

  it.each([
    ['https://ghcr.io/acme', 'has a scheme: name the registry host alone (ghcr.io)'],
    ['bitnami', 'does not start with a registry host (Docker Hub images are docker.io/bitnami)'],
    ['ghcr.io/acme/app:1.0', 'has a tag: name a registry, not an image'],
    ['ghcr.io/acme/app@sha256:abc', 'has a digest: name a registry, not an image'],
    ['*', 'does not start with a registry host'],
    ['ghcr.io/Acme', 'has an invalid repository path'],
    ['', 'is empty'],
  ])('refuses %j', (entry, reason) => {
    expect(parseRegistryPattern(entry)).toContain(reason);
  });

  it('a malformed entry in .kubeward.yaml is one InputError naming the file and the entry', () => {
    expect(() => parseConfig({ allowedRegistries: ['ghcr.io', 'https://quay.io'] }, '.kubeward.yaml')).toThrow(
      '.kubeward.yaml: allowedRegistries[1]: "https://quay.io" has a scheme: name the registry host alone (quay.io)',
    );
    expect(() => parseConfig({ allowedRegistries: 'ghcr.io' }, '.kubeward.yaml')).toThrow('.kubeward.yaml: allowedRegistries must be a list');
    expect(() => parseConfig({ allowedRegistries: [{ host: 'ghcr.io' }] }, '.kubeward.yaml')).toThrow('.kubeward.yaml: allowedRegistries[0] must be a string');
  });
});

describe('allowedRepositories entries and repository URLs', () => {
  it('accepts URLs and mappings, normalised', () => {
    const config = parseConfig({ allowedRepositories: ['HTTPS://Charts.Example.com/stable/', { url: 'oci://registry.internal/charts', internal: true, reason: 'ours' }] }, 'c.yaml');
    expect(config.allowedRepositories).toEqual([
      { url: 'https://charts.example.com/stable', internal: false },
      { url: 'oci://registry.internal/charts', internal: true, reason: 'ours' },
    ]);
  });

  it.each([
    [['charts.example.com'], 'allowedRepositories[0]: "charts.example.com" is not a URL'],
    [['ftp://charts.example.com'], 'has the scheme ftp'],
    [[{ url: 'https://x.example', trusted: true }], 'allowedRepositories[0].trusted is unknown'],
    [[{ url: 'https://x.example', internal: 'yes' }], 'allowedRepositories[0].internal must be true or false'],
    ['https://x.example', 'allowedRepositories must be a list'],
  ])('refuses %j', (value, message) => {
    expect(() => parseConfig({ allowedRepositories: value }, 'c.yaml')).toThrow(message);
  });

  it('compares repositories in one spelling, allowing what is under an allowed one', () => {
    expect(normalizeRepository('HTTPS://Charts.Example.com/stable/index.yaml')).toBe('https://charts.example.com/stable');
    expect(repositoryUnder('https://charts.example.com/stable/', 'https://charts.example.com')).toBe(true);
    expect(repositoryUnder('https://charts.example.com.evil.io', 'https://charts.example.com')).toBe(false);
    expect(repositoryUnder('https://charts.example.community', 'https://charts.example.com')).toBe(false);
    expect(ociRepositoryOf('oci://registry-1.docker.io/bitnamicharts/redis')).toBe('oci://registry-1.docker.io/bitnamicharts');
    expect(ociRepositoryOf('oci://ghcr.io/acme/charts/app:1.2.3')).toBe('oci://ghcr.io/acme/charts');
  });
});

describe('look-alike chart names', () => {
  it('edit distance counts swaps of neighbours as one edit', () => {
    expect(editDistance('ingressnginx', 'ingressngnix')).toBe(1);
    expect(editDistance('certmanager', 'certmanger')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('prometheus', 'grafana', 2)).toBe(3);
  });

  const EVIL = 'https://charts.evil.example';
  it.each([
    ['ingress-ngnix', undefined, 'ingress-nginx', 1],
    ['ingress-ngnix', EVIL, 'ingress-nginx', 1],
    ['cert_manager', undefined, 'cert-manager', 0],
    ['cert-manger', 'oci://charts.evil.example/charts', 'cert-manager', 1],
    ['promethues', EVIL, 'prometheus', 1],
    ['kube-prometheus-stak', EVIL, 'kube-prometheus-stack', 1],
    ['argocd', EVIL, 'argo-cd', 0],
    ['ingress-nginx', EVIL, 'ingress-nginx', 0],
    ['cert-manager', 'https://charts.jetstack.io.evil.example', 'cert-manager', 0],
  ])('%s from %s imitates %s (distance %i)', (name, repository, wellKnown, distance) => {
    expect(lookAlikeOf(name, repository, [])).toMatchObject({ chart: { name: wellKnown }, distance });
  });

  it.each([
    ['ingress-nginx', 'https://kubernetes.github.io/ingress-nginx/', 'its home'],
    ['cert-manager', 'oci://quay.io/jetstack/charts', 'its OCI home'],
    ['ingress-nginx', undefined, 'a local chart with the real name (origin unknown)'],
    ['ingress-nginx', 'https://charts.internal.example/mirror', 'a vetted mirror in allowedRepositories'],
    ['redis', EVIL, 'a generic name many repositories package'],
    ['fast-trace-agent', EVIL, 'a name like no well-known chart'],
    ['prometheus-mysql-exporter', 'https://prometheus-community.github.io/helm-charts', 'a longer name of the same family'],
    ['grafana-operator', 'oci://ghcr.io/grafana/helm-charts', 'another chart of a well-known home'],
    ['redis-ha', 'https://dandydeveloper.github.io/charts', 'a different chart that starts alike'],
    ['falco-exporter', EVIL, 'far from falco and falcosidekick'],
    ['loki-canary', EVIL, 'far from loki and loki-stack'],
  ])('%s from %s is not a look-alike: %s', (name, repository, _why) => {
    expect(lookAlikeOf(name, repository, ['https://charts.internal.example'])).toBeUndefined();
  });

  it('ships well-known charts with their home repositories', () => {
    expect(WELL_KNOWN_CHARTS.length).toBeGreaterThan(100);
    for (const chart of WELL_KNOWN_CHARTS) {
      expect(chart.homes.length).toBeGreaterThan(0);
      for (const home of chart.homes) expect(home).toMatch(/^(https|oci):\/\/[a-z0-9.-]+/);
      expect(lookAlikeOf(chart.name, chart.homes[chart.homes.length - 1], [])).toBeUndefined();
    }
  });
});

describe('supplyFindings', () => {
  const { inventory } = inventoryFromText(`
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  initContainers: [{name: setup, image: "busybox:1.36"}]
  containers: [{name: app, image: "ghcr.io/acme/app:1"}, {name: mirrored, image: "registry.internal.example/mirror/busybox:1.36"}]
`);
  const chart: ChartSource = {
    source: 'shop',
    name: 'shop',
    file: 'shop/Chart.yaml',
    nameLine: 2,
    dependencies: [
      { name: 'redis', repository: 'https://charts.bitnami.com/bitnami', url: 'https://charts.bitnami.com/bitnami', path: ['dependencies', 0, 'repository'], from: 'Chart.yaml', line: 7 },
      { name: 'cache', repository: '@internal', path: ['dependencies', 1, 'repository'], from: 'Chart.yaml', line: 10 },
      { name: 'local', repository: 'file://../local', path: ['dependencies', 2, 'repository'], from: 'Chart.yaml', line: 13 },
    ],
  };

  it('reports images and dependencies outside the allow-lists, with the file and line to change', () => {
    const result = supplyFindings(inventory, [chart], { allowedRegistries: ['ghcr.io/acme', 'registry.internal.example'], allowedRepositories: [{ url: 'https://charts.internal.example', internal: true }] });
    expect(result.findings.map((finding) => [finding.ruleId, finding.object.kind, finding.location, finding.message])).toEqual([
      ['image-registry-not-allowed', 'Pod', { file: 'example.yaml', line: 6 }, 'initContainer "setup" pulls docker.io/library/busybox from docker.io, which allowedRegistries does not list (ghcr.io/acme, registry.internal.example)'],
      ['chart-repository-not-allowed', 'Chart', { file: 'shop/Chart.yaml', line: 7 }, 'dependency "redis" of chart "shop" comes from https://charts.bitnami.com/bitnami, which allowedRepositories does not list'],
      ['chart-repository-not-allowed', 'Chart', { file: 'shop/Chart.yaml', line: 10 }, 'dependency "cache" of chart "shop" comes from @internal, which allowedRepositories does not list (the helm repository name @internal is not configured here, so its URL is unknown)'],
    ]);
    expect(result.findings.every((finding) => finding.severity === 'high')).toBe(true);
    expect(result.metrics).toEqual([
      { name: 'allowed external chart repositories', value: 0 },
      { name: 'chart repositories used', value: 2, detail: '@internal, https://charts.bitnami.com/bitnami' },
      { name: 'image registries used', value: 3, detail: 'docker.io, ghcr.io, registry.internal.example' },
    ]);
  });

  it('checks nothing against lists that are not configured, and says so in the metric', () => {
    const result = supplyFindings(inventory, [chart], {});
    expect(result.findings).toEqual([]);
    expect(result.metrics[0]).toEqual({ name: 'allowed external chart repositories', value: 'any', detail: 'no allowedRepositories in .kubeward.yaml' });
  });

  it('honours ignore entries on kind Chart', () => {
    const result = supplyFindings(inventory, [chart], {
      allowedRepositories: [],
      ignores: [{ rule: 'chart-repository-not-allowed', match: { kind: 'Chart', name: 'shop' }, reason: 'migration to the internal mirror, tracked in OPS-12' }],
    });
    expect(result.findings.map((finding) => finding.suppressed)).toEqual([true, true]);
  });
});
