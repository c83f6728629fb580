/** The second and third renders of a chart (another namespace, another Kubernetes version) and `lookup`. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create } from 'tar';
import { describe, expect, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { loadSources } from '../../src/load/sources.js';
import { probeChart, probeVariants } from '../../src/load/render-variants.js';
import { scanInventory } from '../../src/scan.js';
import { chartYaml, writeTree } from '../helpers/chart.js';

async function scanTree(files: Record<string, string>, namespace = 'shop', source = '') {
  const root = writeTree({ 'Chart.yaml': chartYaml('probe'), ...files });
  const loaded = await loadSources([source ? join(root, source) : root], { namespace, release: 'rel', probeCharts: true });
  const result = scanInventory(loaded.inventory, { disable: [], ignore: [] }, { releaseNamespace: namespace, probes: loaded.probes });
  return { root, loaded, findings: result.findings.filter((finding) => finding.ruleId.startsWith('chart-')), warnings: result.warnings };
}

describe('probeVariants', () => {
  it.each([
    [{}, [{ kind: 'namespace', namespace: 'kubeward-probe' }, { kind: 'kube-version', namespace: 'default', kubeVersion: 'v1.31.0' }]],
    [{ namespace: 'shop' }, [{ kind: 'namespace', namespace: 'default' }, { kind: 'kube-version', namespace: 'shop', kubeVersion: 'v1.31.0' }]],
    [{ namespace: 'shop', kubeVersion: '1.29.0' }, [{ kind: 'namespace', namespace: 'default', kubeVersion: '1.29.0' }, { kind: 'kube-version', namespace: 'shop' }]],
  ])('%j', (options, expected) => {
    expect(probeVariants(options)).toEqual(expected);
  });
});

describe('renders compared', () => {
  it('names that carry the namespace, generated certificates and passwords, annotations and apiVersion switches are not differences', async () => {
    const { findings, loaded } = await scanTree({
      'templates/all.yaml': `{{- $ca := genCA "probe-ca" 365 }}
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Namespace }}-reader
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ .Release.Namespace }}-reader
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {{ .Release.Namespace }}-reader}
subjects: [{kind: ServiceAccount, name: default, namespace: {{ .Release.Namespace }}}]
---
apiVersion: v1
kind: Secret
metadata: {name: rel-password}
data: {password: {{ randAlphaNum 16 | b64enc }}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: rel-webhook}
webhooks:
  - name: check.example.com
    admissionReviewVersions: [v1]
    sideEffects: None
    clientConfig:
      caBundle: {{ $ca.Cert | b64enc }}
      service: {name: rel-webhook, namespace: {{ .Release.Namespace }}}
---
apiVersion: {{ if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version }}policy/v1{{ else }}policy/v1beta1{{ end }}
kind: PodDisruptionBudget
metadata: {name: rel-web}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: rel-web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {checksum/secret: {{ randAlphaNum 8 | quote }}}
    spec:
      serviceAccountName: default
      containers:
        - name: web
          image: web:1.0.0
          args: ["--namespace={{ .Release.Namespace }}"]
`,
    });
    expect(loaded.probes?.[0].variants.map((variant) => variant.objects.length)).toEqual([6, 6]);
    expect(findings).toEqual([]);
  });

  it('an object that appears in another namespace is reported from that render, where it is', async () => {
    const { findings } = await scanTree({
      'templates/rbac.yaml': `{{- if eq .Release.Namespace "default" }}
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rel-psp}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: psp-user}
subjects: [{kind: ServiceAccount, name: default, namespace: {{ .Release.Namespace }}}]
{{- end }}
`,
    });
    // It grants a role that carries nothing risky: low.
    expect(findings.map((finding) => [finding.severity, finding.object.namespace, finding.message])).toEqual([
      ['low', 'default', 'RoleBinding default/rel-psp is rendered when installed in namespace default but not when installed in namespace shop (this scan): the chart renders it only outside `default`, where scanners render'],
    ]);
    expect(findings[0].location?.file).toMatch(/templates\/rbac\.yaml$/);
  });

  it('a chart that refuses the other Kubernetes version is compared with what rendered, and says what it skipped', async () => {
    const { findings, warnings } = await scanTree({ 'Chart.yaml': chartYaml('probe', 'kubeVersion: ">=1.33.0-0"\n'), 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
    expect(findings).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/: not compared with a render in --kube-version v1\.31\.0: helm could not render .*kubeVersion/)]);
  });
});

describe('lookup', () => {
  const files = {
    'templates/secret.yaml': `{{- $existing := (lookup "v1" "Secret" .Release.Namespace "rel-password") }}
apiVersion: v1
kind: Secret
metadata: {name: rel-password}
data:
  password: {{ if $existing }}{{ index $existing.data "password" }}{{ else }}{{ randAlphaNum 16 | b64enc }}{{ end }}
`,
    'templates/_helpers.tpl': '{{- define "x" -}}{{- end -}}\n',
  };

  it('is found in a chart directory, with its line', async () => {
    const { findings, root } = await scanTree(files);
    expect(findings.map((finding) => [finding.ruleId, finding.severity, finding.location])).toEqual([['chart-uses-lookup', 'low', { file: expect.stringMatching(/templates\/secret\.yaml$/), line: 1 }]]);
    expect(findings[0].message).toMatch(/calls lookup "v1" "Secret" \.Release\.Namespace "rel-password": what it installs depends on the live cluster/);
    expect(findings[0].object).toEqual({ apiVersion: 'v2', kind: 'Chart', name: root });
  });

  it('is found through symbolic links, as helm follows them, and a loop of links ends', async () => {
    const root = writeTree({ 'Chart.yaml': chartYaml('probe'), 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', 'shared/secret.yaml': files['templates/secret.yaml'], 'more/deep.tpl': '{{ lookup "v1" "ConfigMap" "" "" }}\n' });
    symlinkSync('../shared/secret.yaml', join(root, 'templates/linked.yaml'));
    symlinkSync('../more', join(root, 'templates/more'));
    symlinkSync('..', join(root, 'more/loop'));
    const probe = await probeChart(root, { namespace: 'shop' }, 'chart');
    expect(probe.lookups.map((use) => [use.file.slice(root.length + 1), use.line])).toEqual(
      expect.arrayContaining([
        ['templates/linked.yaml', 1],
        ['templates/more/deep.tpl', 1],
      ]),
    );
  });

  it('refuses a template it cannot read as helm would, in one line, rather than skip it or wait on it', async () => {
    const huge = writeTree({ 'Chart.yaml': chartYaml('probe'), 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
    // Over helm's own limit: helm refuses the chart too, so a scan of it fails on helm's error either way.
    writeFileSync(join(huge, 'templates/padded.yaml'), `# ${'x'.repeat(21 * 1024 * 1024)}\n{{ lookup "v1" "Secret" "" "" }}\n`);
    await expect(probeChart(huge, {}, 'chart')).rejects.toThrow(/templates\/padded\.yaml: 21\.0 MiB is over the 20 MiB limit/);
    await expect(loadSources([huge], { probeCharts: true })).rejects.toThrow(/helm could not render .*larger than the maximum file size/);

    // Under helm's limit but over the old 4 MiB cut-off: read, so its lookup is reported.
    const padded = writeTree({ 'Chart.yaml': chartYaml('probe'), 'templates/cm.yaml': `# ${'x'.repeat(4.5 * 1024 * 1024)}\n{{- $x := lookup "v1" "Secret" "" "" }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n` });
    expect((await probeChart(padded, {}, 'chart')).lookups.map((use) => use.line)).toEqual([2]);

    // A FIFO named like a template (directly, or behind a link): refused at once, never read.
    const fifo = writeTree({ 'Chart.yaml': chartYaml('probe'), 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
    execFileSync('mkfifo', [join(fifo, 'pipe')]);
    symlinkSync('../pipe', join(fifo, 'templates/linked.yaml'));
    await expect(probeChart(fifo, {}, 'chart')).rejects.toThrow(/templates\/linked\.yaml: not a regular file/);
    mkdirSync(join(fifo, 'templates/folder.yaml'));
    execFileSync('mkfifo', [join(fifo, 'templates/folder.yaml/pipe.yaml')]);
    await expect(probeChart(fifo, {}, 'chart')).rejects.toThrow(/not a regular file/);
  });

  it('is found in a packaged chart', async () => {
    const root = writeTree({ 'probe/Chart.yaml': chartYaml('probe'), ...Object.fromEntries(Object.entries(files).map(([path, text]) => [`probe/${path}`, text])) });
    execFileSync(await findTool('helm'), ['package', join(root, 'probe'), '--destination', root], { stdio: 'ignore' });
    const loaded = await loadSources([join(root, 'probe-0.1.0.tgz')], { namespace: 'shop', probeCharts: true });
    expect(loaded.probes?.[0].lookups.map((use) => [use.file.replace(/^.*\/(?=probe-0)/, ''), use.line])).toEqual([['probe-0.1.0.tgz:probe/templates/secret.yaml', 1]]);
  });

  /** A chart `parent` whose dependency `sub` (which calls lookup) is packaged in `charts/`, as `helm dependency build` leaves it. */
  async function parentWithPackagedSub(): Promise<string> {
    const root = writeTree({
      'sub/Chart.yaml': chartYaml('sub'),
      ...Object.fromEntries(Object.entries(files).map(([path, text]) => [`sub/${path}`, text])),
      'parent/Chart.yaml': chartYaml('parent'),
      'parent/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n',
    });
    execFileSync(await findTool('helm'), ['package', join(root, 'sub'), '--destination', join(root, 'parent/charts')], { stdio: 'ignore' });
    return root;
  }

  it('is found in a sub-chart packaged in charts/, which helm renders with the chart (in a folder and in an archive)', async () => {
    const root = await parentWithPackagedSub();
    const loaded = await loadSources([join(root, 'parent')], { namespace: 'shop', probeCharts: true });
    // helm rendered the sub-chart's Secret: the archive is part of what gets installed.
    expect(loaded.inventory.objects.map((object) => `${object.kind}/${object.metadata.name}`)).toContain('Secret/rel-password');
    expect(loaded.probes?.[0].lookups.map((use) => [use.file.slice(root.length + 1), use.line])).toEqual([['parent/charts/sub-0.1.0.tgz:sub/templates/secret.yaml', 1]]);
    const result = scanInventory(loaded.inventory, { disable: [], ignore: [] }, { releaseNamespace: 'shop', probes: loaded.probes });
    expect(result.findings.filter((finding) => finding.ruleId === 'chart-uses-lookup').map((finding) => finding.location?.file)).toEqual([expect.stringMatching(/charts\/sub-0\.1\.0\.tgz:sub\/templates\/secret\.yaml$/)]);

    // The parent packaged as it sits, the sub-chart's archive inside the parent's (helm 4's own
    // `helm package` would unpack it into a folder, which the first archive test covers).
    await create({ gzip: true, file: join(root, 'parent-0.1.0.tgz'), cwd: root, portable: true }, ['parent']);
    const packaged = await loadSources([join(root, 'parent-0.1.0.tgz')], { namespace: 'shop', probeCharts: true });
    expect(packaged.inventory.objects.map((object) => `${object.kind}/${object.metadata.name}`)).toContain('Secret/rel-password');
    expect(packaged.probes?.[0].lookups.map((use) => [use.file.slice(root.length + 1), use.line])).toEqual([['parent-0.1.0.tgz:parent/charts/sub-0.1.0.tgz:sub/templates/secret.yaml', 1]]);
  });

  it('refuses, in one line, a packaged sub-chart that is not an archive or that inflates past what a chart may weigh', async () => {
    const broken = writeTree({ 'Chart.yaml': chartYaml('probe'), 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', 'charts/sub-0.1.0.tgz': 'not gzip' });
    await expect(probeChart(broken, {}, 'chart')).rejects.toThrow(/charts\/sub-0\.1\.0\.tgz: not a readable chart archive/);
    // Names helm skips (leading `_` or `.`) are not read either.
    const skipped = writeTree({ 'Chart.yaml': chartYaml('probe'), 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', 'charts/_old-0.1.0.tgz': 'not gzip' });
    expect((await probeChart(skipped, {}, 'chart')).lookups).toEqual([]);

    const bomb = writeTree({ 'Chart.yaml': chartYaml('probe'), 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
    writeFileSync(join(bomb, 'charts-bomb.tgz'), gzipSync(Buffer.alloc(101 * 1024 * 1024)));
    mkdirSync(join(bomb, 'charts'));
    renameSync(join(bomb, 'charts-bomb.tgz'), join(bomb, 'charts/bomb-0.1.0.tgz'));
    await expect(probeChart(bomb, {}, 'chart')).rejects.toThrow(/charts\/bomb-0\.1\.0\.tgz: refused chart archive: its packaged sub-charts unpack to more than 100 MiB/);
  });
});
