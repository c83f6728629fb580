import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { corpusPath } from '../helpers/corpus.js';
import { attackAudit, attackDns, attackFlows, benignAudit, benignDns, benignFlows, byTime, eventTime, flowTime, lineTime, podList } from './scenario.js';

/** The contract of issue 5, in its order; then what issue 8 adds for responders, in this order, when there is a value. */
const KEYS = ['rule', 'priority', 'time', 'principal', 'summary', 'evidence', 'stage'];
const RESPONDER_KEYS = ['falcoPriority', 'id', 'pod', 'serviceAccount', 'sourceIPs', 'domains', 'objects', 'respond'];
function expectKeys(alert: Record<string, unknown>): void {
  const keys = Object.keys(alert);
  expect(keys.slice(0, KEYS.length)).toEqual(KEYS);
  const rest = keys.slice(KEYS.length);
  expect(rest).toEqual(RESPONDER_KEYS.filter((key) => rest.includes(key)));
  expect(alert.id).toMatch(/^[0-9a-f]{16}$/);
}
const falco = corpusPath('falco-k8s-audit');
const dir = mkdtempSync(join(tmpdir(), 'kubeward-detect-'));
const files = { audit: join(dir, 'audit.log'), dns: join(dir, 'coredns.log'), pods: join(dir, 'pods.json'), flows: join(dir, 'flows.json') };

beforeAll(() => {
  writeFileSync(files.audit, byTime([...benignAudit(1500), ...attackAudit()], eventTime).map((e) => JSON.stringify(e)).join('\n') + '\n');
  writeFileSync(files.dns, byTime([...benignDns(500), ...attackDns()], lineTime).join('\n') + '\n');
  writeFileSync(files.pods, JSON.stringify(podList()));
  // garbage lines in the flow log are counted and skipped
  writeFileSync(files.flows, [...byTime([...benignFlows(200), ...attackFlows()], flowTime), 'not json', '{"flow":{"verdict":"DROPPED"}}'].join('\n') + '\n');
});

const lines = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));

describe('kubeward detect', () => {
  it('prints one alert per line with the contract keys, in time order, and exits 1 on high alerts', async () => {
    const result = await runCli(['detect', '--audit-log', files.audit, '--dns-log', files.dns, '--pods', files.pods]);
    expect(result.code).toBe(1);
    const alerts = lines(result.stdout);
    expect(alerts.length).toBeGreaterThan(5);
    for (const alert of alerts) {
      expectKeys(alert);
      expect(alert.stage).toBe('expose');
      expect(alert.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    }
    const times = alerts.map((a) => Date.parse(a.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(alerts.map((a) => a.rule)).toContain('secrets-read-then-dns-exfiltration');
    expect(alerts.find((a) => a.rule === 'dns-many-unique-subdomains').evidence[0]).toMatch(/coredns\.log:\d+$/);
    // the summary is on stderr, so stdout stays JSON lines
    expect(result.stderr).toMatch(/audit: \d+ events/);
    expect(result.stderr).toMatch(/time to detect:/);
    expect(result.stderr).toMatch(/dns: \d+ queries/);
  });

  it('maps Falco priorities and keeps falcoPriority; --fail-on decides the exit code', async () => {
    const args = ['detect', '--audit-log', `${falco}/traces/exec_pod.json`, '--falco-rules', `${falco}/rules/falco_rules.yaml`, '--falco-rules', `${falco}/rules/k8s_audit_rules.yaml`];
    const result = await runCli(args);
    expect(result.code).toBe(0);
    const [falcoAlert] = lines(result.stdout).filter((a) => a.falcoPriority);
    expect(falcoAlert).toMatchObject({ rule: 'Attach/Exec Pod', priority: 'low', falcoPriority: 'Notice', principal: 'minikube-user', evidence: ['ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6'] });
    expectKeys(falcoAlert);
    expect(Object.keys(falcoAlert)).toContain('falcoPriority');
    expect((await runCli([...args, '--fail-on', 'low'])).code).toBe(1);
    expect((await runCli([...args, '--fail-on', 'none', '--no-builtin-rules'])).code).toBe(0);
  });

  it('reads stdin and prints a table', async () => {
    const binding = attackAudit()[2] as { requestObject: { roleRef: { name: string } } };
    binding.requestObject.roleRef.name = 'cluster-admin';
    const result = await runCli(['detect', '--audit-log', '-', '--format', 'table', '--no-summary'], { input: `${JSON.stringify({ ...binding, responseObject: undefined })}\n` });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^TIME\s+PRIORITY\s+RULE/);
    expect(result.stdout).toContain('rbac-binding-grants-powerful-role');
    expect(result.stderr).toBe('');
  });

  it.each([
    [['detect'], /--audit-log is required/],
    [['detect', '--audit-log', '/nonexistent/audit.log'], /cannot read audit log: no such file or directory \(ENOENT\)/],
    [['detect', '--audit-log', '-', '--follow'], /--follow needs files/],
    [['detect', '--audit-log', '-', '--internal-zone', 'corp..example'], /--internal-zone needs a DNS zone name/],
    [['detect', '--audit-log', '-', '--internal-zone', '10.0.0.0/8'], /--internal-zone needs a DNS zone name/],
    [['detect', '--audit-log', '-', '--flows', '-'], /only one of --audit-log, --dns-log and --flows can read stdin/],
    [['detect', '--audit-log', '-', '--flows', '/nonexistent/flows.json'], /cannot read flow log: no such file or directory \(ENOENT\)/],
    [['detect', 'triage', '/nonexistent/alerts.jsonl', '--verdicts', '/nonexistent/v.yaml'], /cannot read alerts: no such file or directory \(ENOENT\)/],
    [['detect', '--audit-log', '-', '--rules', '/nonexistent.yaml'], /cannot read rules file/],
    [['detect', 'serve', '--listen', ':0'], /--tls-cert and --tls-key are required/],
  ])('%j exits 2 with one line', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects a bad flag value as a usage error', async () => {
    const result = await runCli(['detect', '--audit-log', '-', '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/argument 'xml' is invalid/);
  });

  it('reports a broken rules file with where it is', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, '- rule: x\n  desc: x\n  priority: low\n  condition: ka.verb = = get\n');
    const result = await runCli(['detect', '--audit-log', '-', '--rules', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml: rule x: condition/);
  });

  it('--follow tails the log across rotation and stops cleanly on SIGINT', async () => {
    const log = join(dir, 'follow.log');
    writeFileSync(log, '');
    const child = spawn(process.execPath, [join(REPO, 'bin/kubeward.js'), 'detect', '--audit-log', log, '--follow', '--poll-interval', '50'], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const waitFor = async (predicate: () => boolean) => {
      for (let i = 0; i < 200 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(predicate(), `stdout: ${stdout}\nstderr: ${stderr}`).toBe(true);
    };
    await waitFor(() => stderr.includes('following'));
    const [sa, role, binding] = attackAudit();
    appendFileSync(log, `${JSON.stringify(sa)}\n${JSON.stringify(role)}\n`);
    // rotation: the old file is renamed, a new one takes its name; a half-written line completes first
    const half = JSON.stringify(binding);
    appendFileSync(log, half.slice(0, 100));
    await new Promise((resolve) => setTimeout(resolve, 200));
    appendFileSync(log, `${half.slice(100)}\n`);
    renameSync(log, `${log}.1`);
    const anon = { ...sa, auditID: 'anon-1', user: { username: 'system:anonymous' }, requestURI: '/api/v1/secrets', annotations: { 'authorization.k8s.io/decision': 'allow' } };
    writeFileSync(log, `${JSON.stringify(anon)}\n`);
    await waitFor(() => stdout.includes('anonymous-request-allowed') && stdout.includes('rbac-binding-grants-powerful-role'));
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/audit: 4 events/);
  });

  it('reads flows and the cluster, writes the metrics, and triage measures alert fidelity', async () => {
    const cluster = join(dir, 'cluster.yaml');
    writeFileSync(cluster, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: fast-trace-agent}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: fast-trace-agent}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: fast-trace-agent}
subjects: [{kind: ServiceAccount, name: fast-trace-agent, namespace: tracing}]
`);
    const metricsFile = join(dir, 'metrics.json');
    const result = await runCli(['detect', '--audit-log', files.audit, '--dns-log', files.dns, '--flows', files.flows, '--cluster', files.pods, '--cluster', cluster, '--metrics', metricsFile]);
    expect(result.code).toBe(1);
    const alerts = lines(result.stdout);
    const rules = alerts.map((alert) => alert.rule);
    expect(rules).toContain('flow-egress-to-outside-resolver');
    // the RBAC of --cluster says the sidecar's account reads Secrets: its first internet egress is high
    expect(alerts.find((alert) => alert.rule === 'flow-new-internet-egress' && alert.principal.startsWith('tracing/'))).toMatchObject({ priority: 'high', pod: { workload: 'Deployment/fast-trace-agent' } });
    expect(alerts.filter((alert) => alert.rule === 'flow-dropped-by-policy').length).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/flows: 202 flows from 204 lines \(0 from no known pod, 2 malformed lines skipped/);
    const metrics = JSON.parse(readFileSync(metricsFile, 'utf8'));
    expect(metrics.overall.alerts).toBe(alerts.length);
    expect(metrics.rules['secrets-sweep-across-namespaces']).toMatchObject({ alerts: 1, byPriority: { critical: 1 } });
    expect(metrics.rules['anonymous-request-allowed']).toEqual({ alerts: 0 });
    expect(metrics.expose.firstCritical.rule).toBe('secrets-read-across-namespaces');
    expect(metrics.expose.timeToDetect.maxSeconds).toBeLessThanOrEqual(60);
    expect(Object.keys(metrics.limit.unexpectedEgress)).toContain('tracing/Deployment/fast-trace-agent');

    // triage: verdicts on the ids, one of them unknown
    const alertsFile = join(dir, 'alerts.jsonl');
    writeFileSync(alertsFile, result.stdout);
    const verdicts = join(dir, 'verdicts.yaml');
    const egress = alerts.filter((alert) => alert.rule === 'flow-new-internet-egress');
    writeFileSync(verdicts, [...alerts.filter((alert) => alert.priority === 'critical').map((alert) => `${alert.id}: true-positive`), ...egress.slice(1).map((alert) => `${alert.id}: benign`), `${egress[0].id}: false-positive`, '0000000000000000: true-positive'].join('\n'));
    const triaged = await runCli(['detect', 'triage', alertsFile, '--verdicts', verdicts, '--format', 'json']);
    expect(triaged.code).toBe(0);
    expect(triaged.stderr).toMatch(/1 verdicts name alerts not in .*0000000000000000/);
    const report = JSON.parse(triaged.stdout);
    expect(report.overall).toMatchObject({ alerts: alerts.length, falsePositive: 1 });
    expect(report.rules.find((rule: { rule: string }) => rule.rule === 'secrets-sweep-across-namespaces')).toMatchObject({ triaged: 1, truePositive: 1, actionableShare: 1 });
    expect(report.noisy[0]).toMatchObject({ rule: 'flow-new-internet-egress' });
    const bad = join(dir, 'bad-verdicts.yaml');
    writeFileSync(bad, `${alerts[0].id}: maybe\n`);
    const rejected = await runCli(['detect', 'triage', alertsFile, '--verdicts', bad]);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr.trim().split('\n')).toEqual([expect.stringMatching(/a verdict is one of true-positive, false-positive, benign/)]);
  });

  it('detect serve is a subcommand with its own options', async () => {
    const result = await runCli(['detect', 'serve', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--journal');
    expect(result.stdout).toContain('--sink');
  });
});
