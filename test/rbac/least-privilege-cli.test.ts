// `kubeward rbac generate` and `kubeward rbac diff` through the built CLI (issue 13): the battlecard's
// ServiceAccount, round trips through `rbac can`, and bad input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { auditLog, SA, type RequestSpec } from './audit-events.js';
import { startReplayServer, type ReplayServer } from './replay-server.js';

const CHART = 'test/fixtures/charts/fast-trace-agent';
const CHART_FLAGS = ['--release', 'tracing', '--release-namespace', 'checkout'];
const AGENT = SA('checkout', 'tracing-fast-trace-agent');
const CONTROLLER = SA('ops', 'controller');
const dir = mkdtempSync(join(tmpdir(), 'kubeward-least-priv-'));
const file = (name: string) => join(dir, name);

/** The tracing agent's real work: pod metadata for its spans, in its own namespace (the chart never granted it). */
const AGENT_WORK: RequestSpec[] = [
  { user: AGENT, verb: 'list', resource: 'pods', namespace: 'checkout', decision: 'forbid' },
  { user: AGENT, verb: 'watch', resource: 'pods', namespace: 'checkout', decision: 'forbid' },
  { user: AGENT, verb: 'get', resource: 'configmaps', namespace: 'checkout', name: 'tracing-fast-trace-agent', decision: 'forbid' },
];
/** The sidecar, with the same token: Secrets across the cluster. */
const SIDECAR_SWEEP: RequestSpec[] = [
  { user: AGENT, verb: 'list', resource: 'secrets' },
  { user: AGENT, verb: 'get', resource: 'secrets', namespace: 'payments-api', name: 'prod-db' },
];
const CONTROLLER_WORK: RequestSpec[] = [
  { user: CONTROLLER, verb: 'list', resource: 'pods' },
  { user: CONTROLLER, verb: 'watch', resource: 'pods' },
  { user: CONTROLLER, verb: 'list', resource: 'deployments', group: 'apps' },
  { user: CONTROLLER, verb: 'watch', resource: 'deployments', group: 'apps' },
  { user: CONTROLLER, verb: 'update', resource: 'deployments', subresource: 'scale', group: 'apps', namespace: 'shop', name: 'web' },
  { user: CONTROLLER, verb: 'get', resource: 'pods', subresource: 'log', namespace: 'shop', name: 'web-1' },
  { user: CONTROLLER, verb: 'get', path: '/healthz' },
  { user: CONTROLLER, verb: 'get', resource: 'secrets', namespace: 'shop', name: 'web-db', decision: 'forbid' },
];

function expectOneLineError(stderr: string, pattern: RegExp): void {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr.trimEnd()).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

beforeAll(() => {
  writeFileSync(file('agent.log'), auditLog(AGENT_WORK, 20));
  writeFileSync(file('attack.log'), auditLog([...AGENT_WORK, ...SIDECAR_SWEEP], 5));
  writeFileSync(file('controller.log'), auditLog(CONTROLLER_WORK, 4) + '{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"cut-sh\n' + '{"kind":"Event","level":"Met');
  writeFileSync(file('garbage.log'), 'not json\n{"kind":"Eve\n');
  writeFileSync(file('empty.log'), '');
});

describe('kubeward rbac generate', () => {
  let generated = '';

  beforeAll(async () => {
    const result = await runCli(['rbac', 'generate', '--audit-log', file('controller.log'), '--subject', 'ServiceAccount:ops:controller', '-o', file('controller-rbac.yaml')]);
    expect(result.code).toBe(0);
    // truncated lines are counted, in one warning line
    expect(result.stderr).toBe(`kubeward: warning: ${file('controller.log')}: 2 truncated lines (not JSON) skipped\n`);
    generated = file('controller-rbac.yaml');
  });

  it('writes a ClusterRole for the cluster-wide reads, a Role for the namespaced requests, and a header with the window and the count', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(generated, 'utf8');
    expect(text).toMatch(/^# kubeward rbac generate: least privilege for ServiceAccount ops\/controller, from what it did\n/);
    expect(text).toMatch(/\n# 32 requests by the subject from 2026-03-01T10:\d\d:\d\d\.000Z to 2026-03-01T10:\d\d:\d\d\.000Z: 28 allowed, 4 denied\n/);
    expect(text).toMatch(/\n# these roles cover 28 requests \(7 distinct requests\); denied requests are left out \(--include-denied adds them\)\n/);
    expect(text).toContain('# verified by the RBAC engine: every one of these requests is allowed by the roles below\n');
    expect(text).toContain(`rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [list, watch]
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [list, watch]
  - nonResourceURLs: [/healthz]
    verbs: [get]
`);
    expect(text).toContain(`  namespace: shop
  labels:
    app.kubernetes.io/managed-by: kubeward
  annotations:
    kubeward.io/generated-for: ServiceAccount:ops:controller
rules:
  - apiGroups: [""]
    resources: [pods/log]
    resourceNames: [web-1]
    verbs: [get]
  - apiGroups: [apps]
    resources: [deployments/scale]
    resourceNames: [web]
    verbs: [update]
`);
  });

  it('round trip: rbac can on the generated file allows what was observed, and nothing around it', async () => {
    const can = (...args: string[]) => runCli(['rbac', 'can', 'ServiceAccount:ops:controller', ...args, generated]);
    const yes = await Promise.all([can('watch', 'deployments', '-n', 'payments'), can('update', 'deployments/scale', '-n', 'shop', '--name', 'web'), can('get', 'pods/log', '-n', 'shop', '--name', 'web-1'), can('get', '/healthz')]);
    expect(yes.map((result) => result.code)).toEqual([0, 0, 0, 0]);
    const no = await Promise.all([can('get', 'pods', '-n', 'shop', '--name', 'web-1'), can('update', 'deployments/scale', '-n', 'shop', '--name', 'api'), can('get', 'secrets', '-n', 'shop', '--name', 'web-db'), can('get', '/metrics')]);
    expect(no.map((result) => result.code)).toEqual([1, 1, 1, 1]);
  });

  it('the battlecard: the tracing agent\'s real work was denied; --include-denied writes the Role it needs in its own namespace, no Secrets', async () => {
    const plain = await runCli(['rbac', 'generate', '--audit-log', file('agent.log'), '--subject', 'ServiceAccount:checkout:tracing-fast-trace-agent']);
    expect(plain.code).toBe(1);
    expectOneLineError(plain.stderr, /^kubeward: no allowed requests by ServiceAccount checkout\/tracing-fast-trace-agent \(60 denied: --include-denied generates roles for them\)$/);
    const result = await runCli(['rbac', 'generate', '--audit-log', file('agent.log'), '--subject', 'ServiceAccount:checkout:tracing-fast-trace-agent', '--include-denied']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`kind: Role
metadata:
  name: kubeward:serviceaccount:checkout:tracing-fast-trace-agent
  namespace: checkout`);
    expect(result.stdout).toContain(`rules:
  - apiGroups: [""]
    resources: [configmaps]
    resourceNames: [tracing-fast-trace-agent]
    verbs: [get]
  - apiGroups: [""]
    resources: [pods]
    verbs: [list, watch]
`);
    expect(result.stdout).not.toMatch(/secrets|ClusterRole/);
  });

  it('--cluster: requests the cluster already allows otherwise are left out, and a risk the roles carry is named with what needed it', async () => {
    const result = await runCli(['rbac', 'generate', '--audit-log', file('attack.log'), '--subject', 'ServiceAccount:checkout:tracing-fast-trace-agent', '--cluster', CHART, ...CHART_FLAGS]);
    expect(result.code).toBe(0);
    // the chart's own binding is what the generated roles replace: not counted as "already allowed"
    expect(result.stdout).not.toMatch(/# left out/);
    expect(result.stdout).toMatch(/# {3}rbac-read-secrets \(critical, cluster-wide\): needed by list secrets cluster-wide \(5 requests\)\n/);
    expect(result.stdout).toMatch(/# escalation path to all Secrets these roles open: lists secrets in every namespace\n/);
  });
});

describe('kubeward rbac diff', () => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startReplayServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the battlecard: the cluster-wide Secrets grant is unused by the tracing agent\'s real work, riskiest first, with the binding that grants it', async () => {
    const result = await runCli(['rbac', 'diff', CHART, ...CHART_FLAGS, '--audit-log', file('agent.log'), '--subject', 'ServiceAccount:checkout:tracing-fast-trace-agent']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('ServiceAccount checkout/tracing-fast-trace-agent holds 2 permissions, used 0');
    expect(lines.slice(3, 7).map((line) => line.replace(/ +/g, ' '))).toEqual([
      'Unused (2):',
      'SEVERITY RISK PERMISSION GRANTED BY',
      'critical rbac-read-secrets list secrets cluster-wide ClusterRoleBinding tracing-fast-trace-agent-reader → ClusterRole tracing-fast-trace-agent-reader',
      'high rbac-get-secrets get secrets cluster-wide ClusterRoleBinding tracing-fast-trace-agent-reader → ClusterRole tracing-fast-trace-agent-reader',
    ]);
    expect(result.stdout).toContain("Observed but not allowed by the sources' RBAC (3):");
    expect(result.stdout).toMatch(/list pods in namespace checkout +20 denied/);
  });

  it('--format json: held, used, and each unused permission with its risks and grants; the sidecar\'s sweep uses them', async () => {
    const result = await runCli(['rbac', 'diff', CHART, ...CHART_FLAGS, '--audit-log', file('attack.log'), '--subject', 'ServiceAccount:checkout:tracing-fast-trace-agent', '--format', 'json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ subject: { kind: 'ServiceAccount', name: 'tracing-fast-trace-agent', namespace: 'checkout' }, held: 2, used: 2, unused: [], requests: { total: 25, allowed: 10, denied: 15 } });
    expect(json.usedPermissions).toEqual([
      {
        verb: 'get',
        apiGroup: '',
        resource: 'secrets',
        requests: 5,
        risks: [{ id: 'rbac-get-secrets', severity: 'high' }],
        grantedBy: [{ binding: { kind: 'ClusterRoleBinding', name: 'tracing-fast-trace-agent-reader' }, role: { kind: 'ClusterRole', name: 'tracing-fast-trace-agent-reader' } }],
      },
      {
        verb: 'list',
        apiGroup: '',
        resource: 'secrets',
        requests: 5,
        risks: [{ id: 'rbac-read-secrets', severity: 'critical' }],
        grantedBy: [{ binding: { kind: 'ClusterRoleBinding', name: 'tracing-fast-trace-agent-reader' }, role: { kind: 'ClusterRole', name: 'tracing-fast-trace-agent-reader' } }],
      },
    ]);
  });

  it('--context reads the live cluster through the loader; --format markdown', async () => {
    writeFileSync(file('live-agent.log'), auditLog([{ user: SA('tracing', 'fast-trace-agent'), verb: 'get', resource: 'pods', namespace: 'tracing', name: 'x', decision: 'forbid' }], 2));
    const result = await runCli(['rbac', 'diff', '--kubeconfig', server.kubeconfig, '--context', 'replay', '--audit-log', file('live-agent.log'), '--subject', 'ServiceAccount:tracing:fast-trace-agent', '--format', 'markdown']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^### ServiceAccount tracing\/fast-trace-agent holds 2 permissions, used 0\n/);
    expect(result.stdout).toContain('| critical | `rbac-read-secrets` | list secrets cluster-wide | ClusterRoleBinding fast-trace-agent-reader → ClusterRole fast-trace-agent-reader |');
  });
});

describe('rbac generate and diff: bad input', () => {
  it('a subject that never appears: one line, exit 1, "no requests by …"', async () => {
    const result = await runCli(['rbac', 'generate', '--audit-log', file('controller.log'), '--subject', 'ServiceAccount:ops:nobody', '-q']);
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr, new RegExp(`^kubeward: no requests by ServiceAccount ops/nobody in ${file('controller.log')} \\(34 log lines read\\)$`));
    const diff = await runCli(['rbac', 'diff', CHART, '--audit-log', file('agent.log'), '--subject', 'User:nobody']);
    expect(diff.code).toBe(1);
    expectOneLineError(diff.stderr, /^kubeward: no requests by User nobody in /);
  });

  it('a malformed subject, a log with no audit event, a missing log, a bad --since: one line, exit 2', async () => {
    const cases = await Promise.all([
      runCli(['rbac', 'generate', '--audit-log', file('controller.log'), '--subject', 'ServiceAccount:ops']),
      runCli(['rbac', 'generate', '--audit-log', file('controller.log'), '--subject', 'Robot:r2']),
      runCli(['rbac', 'generate', '--audit-log', file('garbage.log'), file('empty.log'), '--subject', 'User:alice']),
      runCli(['rbac', 'generate', '--audit-log', file('missing.log'), '--subject', 'User:alice']),
      runCli(['rbac', 'generate', '--audit-log', file('controller.log'), '--subject', 'User:alice', '--since', 'yesterday']),
      runCli(['rbac', 'diff', '--subject', 'User:alice', '--audit-log', CHART]),
    ]);
    expect(cases.map((result) => result.code)).toEqual([2, 2, 2, 2, 2, 2]);
    const patterns = [
      /^kubeward: subject "ServiceAccount:ops": a ServiceAccount is ServiceAccount:NAMESPACE:NAME$/,
      /^kubeward: subject "Robot:r2" is not one of User:NAME, Group:NAME/,
      /^kubeward: no audit events in .*garbage\.log \(2 lines: 2 not JSON \(truncated\?\)\); .*empty\.log \(empty\)$/,
      /^kubeward: .*missing\.log: cannot read audit log: no such file or directory \(ENOENT\)$/,
      /^kubeward: --since must be an RFC 3339 time/,
      /^kubeward: test\/fixtures\/charts\/fast-trace-agent is a directory: --audit-log takes files/,
    ];
    cases.forEach((result, index) => expectOneLineError(result.stderr, patterns[index]));
  });
});
