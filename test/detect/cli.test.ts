import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { corpusPath } from '../helpers/corpus.js';
import { attackAudit, attackDns, benignAudit, benignDns, byTime, eventTime, lineTime, podList } from './scenario.js';

const KEYS = ['rule', 'priority', 'time', 'principal', 'summary', 'evidence', 'stage'];
const falco = corpusPath('falco-k8s-audit');
const dir = mkdtempSync(join(tmpdir(), 'kubeward-detect-'));
const files = { audit: join(dir, 'audit.log'), dns: join(dir, 'coredns.log'), pods: join(dir, 'pods.json') };

beforeAll(() => {
  writeFileSync(files.audit, byTime([...benignAudit(1500), ...attackAudit()], eventTime).map((e) => JSON.stringify(e)).join('\n') + '\n');
  writeFileSync(files.dns, byTime([...benignDns(500), ...attackDns()], lineTime).join('\n') + '\n');
  writeFileSync(files.pods, JSON.stringify(podList()));
});

const lines = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));

describe('kubeward detect', () => {
  it('prints one alert per line with the contract keys, in time order, and exits 1 on high alerts', async () => {
    const result = await runCli(['detect', '--audit-log', files.audit, '--dns-log', files.dns, '--pods', files.pods]);
    expect(result.code).toBe(1);
    const alerts = lines(result.stdout);
    expect(alerts.length).toBeGreaterThan(5);
    for (const alert of alerts) {
      expect(Object.keys(alert)).toEqual(KEYS);
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
    expect(Object.keys(falcoAlert)).toEqual([...KEYS, 'falcoPriority']);
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
    [['detect', '--audit-log', '/nonexistent/audit.log'], /cannot read audit log \(ENOENT\)/],
    [['detect', '--audit-log', '-', '--follow'], /--follow needs a file/],
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

  it('detect serve is a subcommand with its own options', async () => {
    const result = await runCli(['detect', 'serve', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--journal');
    expect(result.stdout).toContain('--sink');
  });
});
