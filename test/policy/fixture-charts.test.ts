import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';

/**
 * Every chart in test/fixtures/charts (the trojan chart and its variants as they are added) and the
 * project's own chart: the built-in pack and `kubeward scan --fail-on high` reach the same verdict.
 * A chart scan calls critical or high is denied by the pack; a chart scan passes is admitted.
 */
const FIXTURES = join(REPO, 'test/fixtures/charts');
const charts = [
  ...readdirSync(FIXTURES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(FIXTURES, entry.name, 'Chart.yaml')))
    .map((entry) => `test/fixtures/charts/${entry.name}`),
  'deploy/chart/kubeward',
];

describe('the pack agrees with kubeward scan on every fixture chart', () => {
  it.each(charts)('%s', async (chart) => {
    const args = [chart, '-n', 'demo', '--release', 'demo', '-q'];
    const [scan, policy] = await Promise.all([runCli(['scan', ...args, '--fail-on', 'high', '--format', 'json']), runCli(['policy', 'test', '--resources', ...args, '--format', 'json'])]);
    expect(scan.code === 0 || scan.code === 1, scan.stderr).toBe(true);
    const denied = JSON.parse(policy.stdout).decisions.filter((row: { action: string }) => row.action === 'Deny').map((row: { policy: string; message: string }) => `${row.policy}: ${row.message}`);
    const serious = JSON.parse(scan.stdout).findings.filter((finding: { severity: string; suppressed: boolean }) => !finding.suppressed && ['critical', 'high'].includes(finding.severity)).map((finding: { ruleId: string; message: string }) => `${finding.ruleId}: ${finding.message}`);
    expect({ policyDenies: policy.code === 1, denied, scanFails: scan.code === 1, serious }).toMatchObject({ policyDenies: scan.code === 1 });
    if (chart.includes('fast-trace-agent')) expect(policy.code).toBe(1);
    if (chart === 'deploy/chart/kubeward') expect(policy.code).toBe(0);
  });
});
