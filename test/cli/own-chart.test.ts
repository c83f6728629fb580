import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** The project's own chart must pass its own scan: no finding at medium or above, whatever options are on. */
describe('deploy/chart/kubeward passes kubeward scan', () => {
  it.each([
    ['default values', []],
    ['token, client CA, persistence, API server CIDRs', ['--set', 'auditWebhook.tokenSecret=tok', '--set', 'auditWebhook.clientCASecret=ca', '--set', 'persistence.enabled=true', '--set', 'networkPolicy.apiServerCIDRs={10.0.0.0/28}']],
  ])('%s', async (_name, flags) => {
    const result = await runCli(['scan', 'deploy/chart/kubeward', '-n', 'kubeward', '--release', 'kubeward', '--format', 'json', '--fail-on', 'medium', ...flags]);
    const report = JSON.parse(result.stdout);
    const serious = report.findings.filter((finding: { severity: string; suppressed: boolean }) => !finding.suppressed && ['critical', 'high', 'medium'].includes(finding.severity));
    expect(serious).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});
