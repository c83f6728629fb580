import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { REPO, runCli } from '../helpers/cli.js';

/** A chart repository on loopback: `helm package` + `helm repo index`, served over HTTP. */
describe('remote charts with --repo', () => {
  let server: Server;
  let url: string;
  const requests: string[] = [];
  const home = mkdtempSync(join(tmpdir(), 'kw-helm-home-'));
  const helmEnv = { HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };

  beforeAll(async () => {
    const helm = await findTool('helm');
    const repoDir = mkdtempSync(join(tmpdir(), 'kw-repo-'));
    execFileSync(helm, ['package', join(REPO, 'test/fixtures/charts/fast-trace-agent'), '--destination', repoDir]);
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      try {
        response.end(readFileSync(join(repoDir, (request.url ?? '/').slice(1))));
      } catch {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    execFileSync(helm, ['repo', 'index', repoDir, '--url', url]);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches the chart from the repository the user names, at the version asked', async () => {
    const result = await runCli(['scan', 'fast-trace-agent', '--repo', url, '--chart-version', '0.3.1', '--format', 'json', '-n', 'tracing'], { env: helmEnv });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.findings.some((finding: { ruleId: string; location: { file: string } }) => finding.ruleId === 'privileged-container' && finding.location.file === 'fast-trace-agent/templates/deployment.yaml')).toBe(true);
    expect(requests).toEqual(['/index.yaml', '/fast-trace-agent-0.3.1.tgz']);
  });

  it('reports a version the repository does not have in one line', async () => {
    const result = await runCli(['scan', 'fast-trace-agent', '--repo', url, '--chart-version', '9.9.9'], { env: helmEnv });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/helm could not fetch fast-trace-agent: Error: .*9\.9\.9/);
  });
});
