import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/chart.js';
import { REPO, runCli } from '../helpers/cli.js';
import { sarifValidator } from '../helpers/sarif.js';

const pod = (name: string, annotations = '', image = 'app:1.0', privileged = false) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: shop\n${annotations ? `  annotations:\n    kubeward.io/ignore: "${annotations}"\n` : ''}spec:\n  serviceAccountName: ${name}\n  containers:\n  - name: c\n    image: ${image}\n    securityContext: {privileged: ${privileged}}\n`;

const json = (stdout: string) => JSON.parse(stdout) as { findings: { ruleId: string; suppressed: boolean; suppression?: unknown; object: { name: string } }[]; summary: Record<string, number> };

describe('exit codes and --fail-on', () => {
  const tree = writeTree({ 'medium.yaml': pod('m', '', 'app:latest'), 'high.yaml': pod('h', '', 'app:1', true) });
  it.each([
    [['medium.yaml'], [], 0],
    [['medium.yaml'], ['--fail-on', 'medium'], 1],
    [['high.yaml'], [], 1],
    [['high.yaml'], ['--fail-on', 'critical'], 0],
    [['high.yaml'], ['--fail-on', 'none'], 0],
  ])('%s %s → %i', async (sources, flags, code) => {
    expect((await runCli(['scan', ...sources, ...flags, '--format', 'json'], { cwd: tree })).code).toBe(code);
  });

  it('--fail-on comes from .kubeward.yaml when the flag is absent, and the flag wins', async () => {
    const project = writeTree({ '.kubeward.yaml': 'failOn: medium\n', 'deploy/m.yaml': pod('m', '', 'app:latest') });
    mkdirSync(join(project, 'deploy/nested'), { recursive: true });
    // The config is found from the working directory upward.
    expect((await runCli(['scan', '../m.yaml'], { cwd: join(project, 'deploy/nested') })).code).toBe(1);
    expect((await runCli(['scan', '../m.yaml', '--fail-on', 'high'], { cwd: join(project, 'deploy/nested') })).code).toBe(0);
    expect((await runCli(['scan', '../m.yaml', '--no-config'], { cwd: join(project, 'deploy/nested') })).code).toBe(0);
  });
});

describe('suppression', () => {
  it('honours the annotation for the listed rules only, keeping suppressed findings in the report', async () => {
    const tree = writeTree({ 'p.yaml': pod('p', 'privileged-container,image-latest-tag; debug pod, removed after the incident', 'app:latest', true) });
    const result = await runCli(['scan', 'p.yaml', '--format', 'json'], { cwd: tree });
    expect(result.code).toBe(0);
    const report = json(result.stdout);
    const fromRulePack = report.findings.filter((finding) => ['privileged-container', 'image-latest-tag', 'default-service-account'].includes(finding.ruleId));
    expect(fromRulePack.map((finding) => [finding.ruleId, finding.suppressed])).toEqual([
      ['privileged-container', true],
      ['image-latest-tag', true],
    ]);
    expect(fromRulePack[0].suppression).toEqual({ source: 'annotation', reason: 'debug pod, removed after the incident' });
    expect(report.summary.high).toBe(0);
  });

  it('honours .kubeward.yaml ignore entries by object match until they expire', async () => {
    const config = [
      'ignore:',
      '  - rule: privileged-container',
      '    match: {kind: Pod, namespace: shop, name: "node-*"}',
      '    reason: CNI agent needs the host network stack',
      '    expires: 2999-12-31',
      '  - rule: privileged-container',
      '    match: {name: old}',
      '    reason: was accepted once',
      '    expires: 2001-01-01',
    ].join('\n');
    const tree = writeTree({ '.kubeward.yaml': config, 'a.yaml': pod('node-agent', '', 'app:1', true), 'b.yaml': pod('old', '', 'app:1', true), 'c.yaml': pod('web', '', 'app:1', true) });
    const result = await runCli(['scan', '.', '--format', 'json'], { cwd: tree });
    const report = json(result.stdout);
    const privileged = report.findings.filter((finding) => finding.ruleId === 'privileged-container');
    expect(privileged.map((finding) => [finding.object.name, finding.suppressed]).sort()).toEqual([
      ['node-agent', true],
      ['old', false],
      ['web', false],
    ]);
    expect(result.code).toBe(1);
  });

  it.each([
    ['an unknown field', 'ignores:\n  - rule: x\n', /\.kubeward\.yaml: unknown field "ignores"/],
    ['an entry without a reason', 'ignore:\n  - rule: x\n', /ignore\[0\]\.reason is required/],
    ['a bad expiry date', 'ignore:\n  - {rule: x, reason: y, expires: soon}\n', /ignore\[0\]\.expires must be a date/],
    ['a bad failOn', 'failOn: severe\n', /failOn must be one of/],
  ])('rejects a configuration with %s in one line', async (_name, config, message) => {
    const tree = writeTree({ '.kubeward.yaml': config, 'a.yaml': pod('a') });
    const result = await runCli(['scan', 'a.yaml'], { cwd: tree });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('formats on a real chart', () => {
  it('SARIF of a chart scan validates and points at the template lines', async () => {
    const result = await runCli(['scan', 'test/fixtures/charts/fast-trace-agent', '--format', 'sarif'], { cwd: REPO });
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout);
    const validate = sarifValidator();
    expect(validate(log)).toBe(true);
    const privileged = log.runs[0].results.find((result: { ruleId: string }) => result.ruleId === 'privileged-container');
    expect(privileged.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'test/fixtures/charts/fast-trace-agent/templates/deployment.yaml', uriBaseId: 'SRCROOT' },
      region: { startLine: 27 },
    });
  });

  it.each(['table', 'json', 'sarif', 'junit', 'markdown'])('%s output is produced for a chart', async (format) => {
    const result = await runCli(['scan', 'test/fixtures/charts/fast-trace-agent', '--format', format], { cwd: REPO });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('privileged');
    expect(result.stderr).toBe('');
  });
});

describe('writing to a file', () => {
  it('refuses an unwritable --output in one line', async () => {
    const tree = writeTree({ 'a.yaml': pod('a') });
    writeFileSync(join(tree, 'blocker'), '');
    const result = await runCli(['scan', 'a.yaml', '--output', 'blocker/report.json'], { cwd: tree });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kubeward: cannot write blocker\/report\.json: not a directory \(ENOTDIR\)\n$/);
  });
});

describe('the battlecard trojan chart', () => {
  it('is caught on the workload: the sidecar holds the token that reads every Secret; the grant is high on its own', async () => {
    const result = await runCli(['scan', 'test/fixtures/charts/fast-trace-agent', '-n', 'checkout', '--release', 'tracing', '--format', 'json'], { cwd: REPO });
    expect(result.code).toBe(1);
    const findings = JSON.parse(result.stdout).findings as { ruleId: string; severity: string; stage: string; object: { kind: string; name: string }; location?: { file: string; line: number }; message: string; evidence?: Record<string, unknown> }[];
    const attack = findings.find((finding) => finding.ruleId === 'container-holds-powerful-token');
    expect(attack).toMatchObject({ severity: 'critical', stage: 'recon', object: { kind: 'Deployment', name: 'tracing-fast-trace-agent' } });
    expect(attack?.message).toMatch(/^container "helper" \(image fast-trace\/helper:latest\) holds the token of ServiceAccount checkout\/tracing-fast-trace-agent \(automounted\), which can list Secrets in every namespace; "agent" holds it too/);
    expect(attack?.evidence?.network).toEqual({ internet: 'may open any connection to any internet address', dns: 'may send DNS to any address' });
    const secrets = findings.find((finding) => finding.ruleId === 'rbac-read-secrets');
    expect(secrets).toMatchObject({
      severity: 'high',
      stage: 'evaluate',
      object: { kind: 'ClusterRoleBinding', name: 'tracing-fast-trace-agent-reader' },
      location: { file: 'test/fixtures/charts/fast-trace-agent/templates/rbac.yaml', line: 25 },
    });
    expect(secrets?.message).toMatch(/ServiceAccount checkout\/tracing-fast-trace-agent: reads Secrets cluster-wide: .*Its token is held by containers "agent", "helper" of Deployment checkout\/tracing-fast-trace-agent/);
    const privileged = findings.find((finding) => finding.ruleId === 'privileged-container');
    expect(privileged?.object.kind).toBe('Deployment');
    // The object's keys come in the contract's order.
    expect(Object.keys(privileged?.object ?? {})).toEqual(['apiVersion', 'kind', 'namespace', 'name']);
    // Missing NetworkPolicies are posture, not a finding per workload; the chart creates no namespace.
    expect(findings.filter((finding) => finding.ruleId.startsWith('workload-') || finding.ruleId.startsWith('namespace-'))).toEqual([]);
  });
});
