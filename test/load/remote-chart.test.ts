import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { chartYaml, writeTree } from '../helpers/chart.js';
import { REPO, runCli } from '../helpers/cli.js';
import { serveFiles, type FileServer } from '../helpers/http.js';

/** A chart repository on loopback: `helm package` + `helm repo index`, served over HTTP. */
describe('remote charts with --repo', () => {
  let server: FileServer;
  let url: string;
  const home = mkdtempSync(join(tmpdir(), 'kw-helm-home-'));
  const helmEnv = { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };

  beforeAll(async () => {
    const helm = await findTool('helm');
    const repoDir = mkdtempSync(join(tmpdir(), 'kw-repo-'));
    execFileSync(helm, ['package', join(REPO, 'test/fixtures/charts/fast-trace-agent'), '--destination', repoDir]);
    // a chart whose template fails quoting a password of its own values.yaml: on disk only once pulled
    const leaky = writeTree({ 'Chart.yaml': chartYaml('leaky'), 'values.yaml': 'db:\n  password: Qz7xW4kP9mV2sR8tLc\n', 'templates/x.yaml': '{{ fail (printf "password %s is rejected" .Values.db.password) }}\n' });
    execFileSync(helm, ['package', leaky, '--destination', repoDir]);
    server = await serveFiles(repoDir);
    url = server.url;
    execFileSync(helm, ['repo', 'index', repoDir, '--url', url]);
  });
  afterAll(() => server.close());

  it('fetches the chart from the repository the user names, at the version asked', async () => {
    const result = await runCli(['scan', 'fast-trace-agent', '--repo', url, '--chart-version', '0.3.1', '--format', 'json', '-n', 'tracing'], { env: helmEnv });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.findings.some((finding: { ruleId: string; location: { file: string } }) => finding.ruleId === 'privileged-container' && finding.location.file === 'fast-trace-agent/templates/deployment.yaml')).toBe(true);
    expect(server.requests).toEqual(['/index.yaml', '/fast-trace-agent-0.3.1.tgz']);
  });

  it("redacts the pulled chart's own default values from helm's error (a template's fail quoting them), as for a local chart", async () => {
    const result = await runCli(['scan', 'leaky', '--repo', url], { env: helmEnv });
    expect(result.stderr).toBe('kubeward: helm could not render leaky: Error: execution error at (leaky/templates/x.yaml:1:3): password <redacted> is rejected\n');
    expect(result.code).toBe(2);
  });

  it('reports a version the repository does not have in one line', async () => {
    const result = await runCli(['scan', 'fast-trace-agent', '--repo', url, '--chart-version', '9.9.9'], { env: helmEnv });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/helm could not fetch fast-trace-agent: Error: .*9\.9\.9/);
  });
});
