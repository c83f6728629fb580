import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const TROJAN = ['--resources', 'test/fixtures/charts/fast-trace-agent', '-n', 'checkout', '--release', 'tracing'];

describe('kubeward policy test', () => {
  it('denies the trojan chart: its ClusterRoleBinding and its privileged sidecar', async () => {
    const result = await runCli(['policy', 'test', ...TROJAN, '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const denies = report.decisions.filter((row: { action: string }) => row.action === 'Deny');
    expect(denies.map((row: { policy: string; object: { kind: string } }) => `${row.policy} ${row.object.kind}`).sort()).toEqual([
      'kubeward-cluster-role-bindings ClusterRoleBinding',
      'kubeward-privileged Deployment',
    ]);
    expect(denies[0]).toMatchObject({ binding: expect.any(String), field: expect.stringMatching(/^spec\.validations\[\d\]\.expression$/), location: { file: expect.stringContaining('fast-trace-agent/templates/') } });
    expect(report.summary).toMatchObject({ objects: 6, denied: 2 });
  });

  it('admits the trojan ClusterRoleBinding from a cluster administrator', async () => {
    const result = await runCli(['policy', 'test', ...TROJAN, '--set', 'sidecar.enabled=false', '--user', 'admin', '--group', 'system:masters']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/0 denied/);
  });

  it('allows the project\'s own chart (warnings only) and fails it with --fail-on-warn', async () => {
    const chart = ['--resources', 'deploy/chart/kubeward', '-n', 'kubeward', '--release', 'kubeward'];
    const result = await runCli(['policy', 'test', ...chart]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/0 denied/);
    expect((await runCli(['policy', 'test', ...chart, '--fail-on-warn'])).code).toBe(1);
  });

  it('reads allowedRegistries from .kubeward.yaml as scan does, and agrees with scan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeward-registries-'));
    const chart = ['deploy/chart/kubeward', '-n', 'kubeward', '--release', 'kubeward'];
    for (const [registry, code] of [
      ['ghcr.io/acme', 1],
      ['ghcr.io/kubeward', 0],
    ] as const) {
      const config = join(dir, `${code}.yaml`);
      writeFileSync(config, `allowedRegistries:\n  - ${registry}\n`);
      const policy = await runCli(['policy', 'test', '--resources', ...chart, '--config', config, '-q']);
      const scan = await runCli(['scan', ...chart, '--config', config, '-q', '--format', 'json']);
      expect(policy.code).toBe(code);
      expect(scan.code).toBe(code);
      if (code) expect(policy.stdout).toMatch(/kubeward-allowed-registries.*ghcr\.io\/kubeward\/kubeward:0\.1\.0 \(allowed: ghcr\.io\/acme\)/);
    }
  });

  it('writes SARIF and JUnit for CI', async () => {
    const sarif = JSON.parse((await runCli(['policy', 'test', ...TROJAN, '--format', 'sarif'])).stdout);
    expect(sarif.runs[0].results.some((result: { ruleId: string; level: string }) => result.ruleId === 'kubeward-privileged' && result.level === 'error')).toBe(true);
    const junit = (await runCli(['policy', 'test', ...TROJAN, '--format', 'junit'])).stdout;
    expect(junit).toMatch(/<testsuite[^>]*name="kubeward-cluster-role-bindings"/);
  });
});

describe('kubeward policy verify', () => {
  it('runs every example of the built-in pack', async () => {
    const result = await runCli(['policy', 'verify', '-q', ...['allowed-registries', 'cluster-role-bindings', 'default-service-account', 'dns-policy-none', 'host-namespaces', 'image-digest', 'pod-security-restricted', 'privileged', 'rbac-wildcards-aggregation'].map((name) => `policies/${name}/tests.yaml`)]);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(/FAIL/);
    expect(result.code).toBe(0);
  });

  it('fails a case whose expectation differs, and says what it got', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeward-verify-'));
    const suite = join(dir, 'suite.yaml');
    writeFileSync(
      suite,
      `apiVersion: kubeward.io/v1alpha1
kind: PolicyTest
metadata: {name: wrong}
cases:
  - name: privileged expected to pass
    object: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: "c:1", securityContext: {privileged: true}}]}}
    expect: {decision: allow, policy: kubeward-privileged}
  - name: the trojan chart is denied
    resources: [${JSON.stringify(join(process.cwd(), 'test/fixtures/charts/fast-trace-agent'))}]
    namespace: checkout
    release: tracing
    expect: {decision: deny, message: "grants ClusterRole tracing-fast-trace-agent-reader in every namespace"}
  - name: the project's own chart is admitted
    resources: [${JSON.stringify(join(process.cwd(), 'deploy/chart/kubeward'))}]
    namespace: kubeward
    release: kubeward
    expect: {decision: warn}
`,
    );
    const result = await runCli(['policy', 'verify', suite]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL .*privileged expected to pass: expected allow by kubeward-privileged, got deny/);
    expect(result.stdout).toMatch(/PASS .*the trojan chart is denied/);
    expect(result.stdout).toMatch(/PASS .*the project's own chart is admitted/);
    expect(result.stdout).toMatch(/2 passed, 1 failed/);
  });
});

describe('kubeward policy export', () => {
  it('exports params, policies and bindings for the API server', async () => {
    const result = await runCli(['policy', 'export', '--kube-version', '1.30']);
    expect(result.code).toBe(0);
    const kinds = [...result.stdout.matchAll(/^kind: (\S+)/gm)].map((match) => match[1]);
    expect(kinds[0]).toBe('ConfigMap');
    expect(kinds.filter((kind) => kind === 'ValidatingAdmissionPolicy').length).toBe(9);
    expect(kinds.filter((kind) => kind === 'ValidatingAdmissionPolicyBinding').length).toBe(9);
  });
});

describe('bad policies: one line naming file and field, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeward-policy-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const policy = (name: string, expression: string, extra = '') => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${name}}
spec:
${extra}  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [pods], operations: [CREATE]}]
  validations:
    - expression: ${JSON.stringify(expression)}
`;
  const binding = (name: string, policyName: string, extra = '') => `---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: ${name}}
spec:
  policyName: ${policyName}
  validationActions: [Deny]
${extra}`;
  const pod = write('pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "c:1"}]}\n');

  it.each([
    ['a policy that does not compile', policy('broken', "object.spec.containers.all(c, c.image.matches('(?=x)'))"), /broken\.yaml: ValidatingAdmissionPolicy broken: spec\.validations\[0\]\.expression: compilation failed: column 47: invalid regular expression/],
    ['a binding to a missing policy', policy('present', 'true') + binding('b', 'absent'), /: ValidatingAdmissionPolicyBinding b: spec\.policyName: ValidatingAdmissionPolicy "absent" is not among the policies loaded/],
    [
      'a paramRef to nothing',
      policy('with-params', 'params != null', '  paramKind: {apiVersion: v1, kind: ConfigMap}\n') + binding('b', 'with-params', '  paramRef: {name: nowhere, namespace: x, parameterNotFoundAction: Deny}\n'),
      /ValidatingAdmissionPolicyBinding b: spec\.paramRef\.name: ConfigMap x\/nowhere is not among the params loaded/,
    ],
    [
      'an expression over the cost limit',
      policy('hostile', 'lists.range(1000).all(i, lists.range(1000).all(j, lists.range(1000).all(k, true)))') + binding('b', 'hostile'),
      /hostile\.yaml: ValidatingAdmissionPolicy hostile: spec\.validations\[0\]\.expression: evaluation cost over the limit/,
    ],
  ])('%s', async (name, text, message) => {
    const file = write(`${name.split(' ').pop()}.yaml`.replace('limit', 'hostile').replace('compile', 'broken'), text);
    const result = await runCli(['policy', 'test', '--policies', file, '--resources', pod]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});
