// kubeward scan --context/--kubeconfig: the live API source (the loader audit uses) against a local HTTPS server replaying recorded list responses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { startReplayServer, type ReplayServer } from '../rbac/replay-server.js';

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(async () => {
  await server.close();
});

type Json = { findings: { ruleId: string; severity: string; object: { kind: string; namespace?: string; name: string } }[] };

describe('kubeward scan of a live cluster', () => {
  it('scans what the cluster runs, lists NetworkPolicies, and never asks for Secrets', async () => {
    server.requests.length = 0;
    const result = await runCli(['scan', '--kubeconfig', server.kubeconfig, '--context', 'replay', '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Json;
    const found = (ruleId: string) => report.findings.filter((finding) => finding.ruleId === ruleId).map((finding) => `${finding.object.kind} ${finding.object.namespace ?? ''}/${finding.object.name}`);
    expect(found('rbac-read-secrets')).toContain('ClusterRoleBinding /fast-trace-agent-reader');
    expect(report.findings.some((finding) => finding.object.kind === 'Deployment')).toBe(true);
    const paths = new Set(server.requests.map((request) => request.path));
    expect(paths).toContain('/apis/networking.k8s.io/v1/networkpolicies');
    expect([...paths].filter((path) => /secret/i.test(path))).toEqual([]);
  });

  it('adds the chart about to be installed to the cluster it goes into', async () => {
    const [alone, both] = (
      await Promise.all([
        runCli(['scan', '--kubeconfig', server.kubeconfig, '--format', 'json']),
        runCli(['scan', 'test/fixtures/charts/fast-trace-agent', '-n', 'checkout', '--kubeconfig', server.kubeconfig, '--format', 'json'], { cwd: REPO }),
      ])
    ).map((result) => JSON.parse(result.stdout) as Json);
    expect(both.findings.length).toBeGreaterThan(alone.findings.length);
    expect(both.findings.some((finding) => finding.object.namespace === 'checkout' && finding.object.kind === 'Deployment')).toBe(true);
  });

  it('a bad context, refused credentials, or nothing to scan: one line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['scan', '--context', 'prod', '--kubeconfig', server.kubeconfig], /^kubeward: kubeconfig has no context "prod" \(it has: replay, forbidden, no-pods, bad-token\)$/],
      [['scan', '--context', 'bad-token', '--kubeconfig', server.kubeconfig], /^kubeward: the cluster refused kubeward's credentials \(401 Unauthorized\)/],
      [['scan'], /^kubeward: no source given: .*--context\/--kubeconfig$/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((result, index) => {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(cases[index][1]);
    });
  });
});
