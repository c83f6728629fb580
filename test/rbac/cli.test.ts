// The command contracts of issue 3, through the built CLI (npm run build first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { sarifValidator } from '../helpers/sarif.js';
import { startReplayServer, type ReplayServer } from './replay-server.js';

const TROJAN = 'test/rbac/fixtures/trojan.yaml';
const UNNAMESPACED = 'test/rbac/fixtures/unnamespaced.yaml';

/** One line on stderr, no stack: the house rule for errors. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('kubeward rbac can', () => {
  it('yes: exit 0, and the binding, role and rule that allow it', async () => {
    const result = await runCli(['rbac', 'can', 'ServiceAccount:tracing:fast-trace-agent', 'list', 'secrets', '-n', 'payments-api', TROJAN]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('yes\n  ClusterRoleBinding fast-trace-agent-reader → ClusterRole fast-trace-agent-reader: get,list secrets (apiGroups core)\n');
  });

  it('--format json: {allowed, reasons: [{binding, role, rule}]}', async () => {
    const result = await runCli(['rbac', 'can', 'system:serviceaccount:tracing:fast-trace-agent', 'get', 'secrets', '-n', 'kube-system', TROJAN, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      allowed: true,
      reasons: [
        {
          binding: { kind: 'ClusterRoleBinding', name: 'fast-trace-agent-reader' },
          role: { kind: 'ClusterRole', name: 'fast-trace-agent-reader' },
          rule: { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] },
        },
      ],
    });
  });

  it('no: exit 1', async () => {
    const result = await runCli(['rbac', 'can', 'ServiceAccount:tracing:fast-trace-agent', 'delete', 'secrets', '-n', 'tracing', TROJAN, '--format', 'json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ allowed: false, reasons: [] });
  });

  it('a user with --group gets the group grants (the built-in edit role is assumed for a chart)', async () => {
    const yes = await runCli(['rbac', 'can', 'User:dana', '--group', 'payments-devs', 'create', 'pods/exec', '-n', 'payments-api', TROJAN]);
    expect(yes.code).toBe(0);
    expect(yes.stdout).toMatch(/^yes\n {2}RoleBinding payments-api\/payments-devs-edit → ClusterRole edit: create,delete,deletecollection,patch,update pods,pods\/attach,pods\/exec/);
    const elsewhere = await runCli(['rbac', 'can', 'Group:payments-devs', 'create', 'pods/exec', '-n', 'tracing', TROJAN]);
    expect(elsewhere.code).toBe(1);
    const never = await runCli(['rbac', 'can', 'Group:payments-devs', 'create', 'pods', '-n', 'payments-api', '--builtin-roles', 'never', TROJAN]);
    expect(never.code).toBe(1);
  });

  it('a RESOURCE beginning with / is a non-resource URL; system:masters is always allowed', async () => {
    const anyone = await runCli(['rbac', 'can', 'User:alice', 'get', '/healthz', TROJAN]);
    expect(anyone.code).toBe(1);
    const masters = await runCli(['rbac', 'can', 'Group:system:masters', 'get', '/healthz', TROJAN, '--format', 'json']);
    expect(masters.code).toBe(0);
    expect(JSON.parse(masters.stdout)).toEqual({ allowed: true, reasons: [], privileged: true });
  });

  it('-n is the request namespace; objects without one land in --release-namespace', async () => {
    const result = await runCli(['rbac', 'can', 'ServiceAccount:shop:app', 'get', 'configmaps', '-n', 'shop', '--release-namespace', 'shop', UNNAMESPACED]);
    expect(result.code).toBe(0);
    const defaulted = await runCli(['rbac', 'can', 'ServiceAccount:shop:app', 'get', 'configmaps', '-n', 'shop', UNNAMESPACED]);
    expect(defaulted.code).toBe(1);
  });

  it.each([
    [['rbac', 'can', 'alice', 'get', 'pods', TROJAN], /^kubeward: subject "alice" is not one of User:NAME, Group:NAME, ServiceAccount:NAMESPACE:NAME or system:serviceaccount:NAMESPACE:NAME\n$/],
    [['rbac', 'can', 'User:alice', 'get', 'pods'], /^kubeward: no source given/],
    [['rbac', 'can', 'User:alice', 'get', 'pods', 'no-such-file.yaml'], /^kubeward: no-such-file.yaml: no such file or directory\n$/],
    [['rbac', 'can', 'User:alice', 'get', 'deployments.apps', '--api-group', 'batch', TROJAN], /names group apps, but --api-group says batch/],
  ])('errors exit 2 with one line: %j', async (args, pattern) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, pattern);
  });
});

describe('kubeward rbac who-can', () => {
  it('-A: ClusterRoleBindings only, Group system:masters always first', async () => {
    const result = await runCli(['rbac', 'who-can', 'list', 'secrets', '-A', TROJAN, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      subjects: [
        { kind: 'Group', name: 'system:masters', privileged: true, via: [] },
        { kind: 'ServiceAccount', name: 'fast-trace-agent', namespace: 'tracing', via: [{ binding: { kind: 'ClusterRoleBinding', name: 'fast-trace-agent-reader' }, role: { kind: 'ClusterRole', name: 'fast-trace-agent-reader' } }] },
      ],
    });
  });

  it('-n: the RoleBindings of that namespace count too', async () => {
    const result = await runCli(['rbac', 'who-can', 'list', 'secrets', '-n', 'payments-api', TROJAN]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'KIND            NAME              NAMESPACE  VIA',
        'Group           system:masters               system:masters (always allowed)',
        'ServiceAccount  fast-trace-agent  tracing    ClusterRoleBinding fast-trace-agent-reader → ClusterRole fast-trace-agent-reader',
        'Group           payments-devs                RoleBinding payments-api/payments-devs-edit → ClusterRole edit',
        '',
      ].join('\n'),
    );
  });

  it('-n and -A exclude each other', async () => {
    const result = await runCli(['rbac', 'who-can', 'list', 'secrets', '-n', 'x', '-A', TROJAN]);
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /^kubeward: -n and -A exclude each other\n$/);
  });

  it('understands kubectl short names and warns about cluster-scoped resources given -n', async () => {
    const result = await runCli(['rbac', 'who-can', 'get', 'no', '-n', 'tracing', TROJAN, '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('kubeward: warning: nodes is cluster-scoped: its requests carry no namespace, so -n tracing is ignored\n');
  });
});

describe('kubeward rbac risks', () => {
  it('findings with the scan JSON contract, stage evaluate, the escalation path in the message; exit 1 at high', async () => {
    const result = await runCli(['rbac', 'risks', TROJAN, '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { kubeward: string; findings: Record<string, unknown>[]; summary: Record<string, number> };
    expect(Object.keys(report)).toEqual(['kubeward', 'findings', 'summary']);
    const [first] = report.findings;
    expect(first).toMatchObject({
      ruleId: 'rbac-read-secrets',
      severity: 'critical',
      object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'fast-trace-agent-reader' },
      location: { file: TROJAN, line: 27 },
      stage: 'evaluate',
      suppressed: false,
    });
    expect(first.message).toMatch(/Escalation path to all Secrets: lists secrets in every namespace\.$/);
    expect(report.findings.every((finding) => finding.stage === 'evaluate')).toBe(true);
    expect(report.findings.map((finding) => finding.ruleId)).toContain('rbac-create-pods');
  });

  it('every report format works; --fail-on none exits 0', async () => {
    const sarif = await runCli(['rbac', 'risks', TROJAN, '--format', 'sarif', '--fail-on', 'none']);
    expect(sarif.code).toBe(0);
    const log = JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string }[]; tool: { driver: { rules: { id: string }[] } } }[] };
    expect(log.runs[0].results.map((result) => result.ruleId)).toContain('rbac-read-secrets');
    expect(log.runs[0].tool.driver.rules.map((rule) => rule.id)).toContain('rbac-nodes-proxy');
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const junit = await runCli(['rbac', 'risks', TROJAN, '--format', 'junit', '--fail-on', 'none']);
    expect(junit.stdout).toMatch(/<testsuite name="rbac-read-secrets" tests="2" failures="2"/);
  });
});

describe('kubeward audit', () => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startReplayServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('adds the battlecard metrics (json)', async () => {
    const result = await runCli(['audit', TROJAN, '--format', 'json', '--fail-on', 'none']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { metrics: { name: string; value: unknown }[] };
    expect(report.metrics.map((metric) => [metric.name, metric.value])).toEqual([
      ['ServiceAccounts with wildcard permissions', 0],
      ['Workloads on a non-default ServiceAccount', '1/1 (100%)'],
      ['Subjects that can read all Secrets', 2],
      ['ClusterRoleBindings to cluster-admin', 0],
      ['Subjects with an escalation path to cluster-admin', 0],
    ]);
  });

  it('markdown and table carry the metrics; other formats are refused', async () => {
    const markdown = await runCli(['audit', TROJAN, '--format', 'markdown', '--fail-on', 'none']);
    expect(markdown.stdout).toMatch(/^### kubeward audit\n/);
    expect(markdown.stdout).toContain('| Subjects that can read all Secrets | 2 (list or watch in every namespace: Group system:masters, ServiceAccount tracing/fast-trace-agent) |');
    const table = await runCli(['audit', TROJAN, '--fail-on', 'none']);
    expect(table.stdout).toContain('Workloads on a non-default ServiceAccount: 1/1 (100%) (goal 100%)');
    const sarif = await runCli(['audit', TROJAN, '--format', 'sarif']);
    expect(sarif.code).toBe(2);
  });

  it('reads a live cluster with --kubeconfig/--context', async () => {
    const result = await runCli(['audit', '--kubeconfig', server.kubeconfig, '--context', 'replay', '--format', 'json', '--fail-on', 'none']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { findings: { ruleId: string; object: { name: string } }[]; metrics: { name: string; value: unknown }[] };
    expect(report.findings.map((finding) => `${finding.ruleId} ${finding.object.name}`)).toEqual(['rbac-read-secrets fast-trace-agent-reader']);
    expect(report.metrics.find((metric) => metric.name === 'Workloads on a non-default ServiceAccount')?.value).toBe('1/2 (50%)');
  });

  it('a 403 is one line naming the missing permission, exit 2', async () => {
    const result = await runCli(['audit', '--kubeconfig', server.kubeconfig, '--context', 'forbidden']);
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /^kubeward: forbidden \(403\): kubeward needs permission to list rolebindings\.rbac\.authorization\.k8s\.io in all namespaces/);
  });
});
