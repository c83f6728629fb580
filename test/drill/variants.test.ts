/**
 * Every variant of the built-in scenario runs end to end, and each shows the trait it exists for:
 * hidden in an aggregated role, gone by the time an audit looks, fanned out, rendered only outside
 * `default`, a native sidecar, an outside resolver CoreDNS never sees.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRILL_STAGES, type DrillResult } from '../../src/drill/result.js';
import { runCli } from '../helpers/cli.js';

const HOME = mkdtempSync(join(tmpdir(), 'kubeward-drill-variants-'));

async function drill(scenario: string): Promise<DrillResult> {
  const run = await runCli(['drill', 'run', scenario, '--no-config', '--format', 'json'], { cwd: HOME });
  expect(run.stderr).not.toMatch(/internal error/);
  expect(run.code, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout) as DrillResult;
  expect(result.scenario).toBe(scenario);
  expect(result.stages.map((stage) => stage.stage)).toEqual([...DRILL_STAGES]);
  return result;
}

const stage = (result: DrillResult, name: string) => result.stages.find((entry) => entry.stage === name)!;

describe.concurrent('the variants of trojan-chart', () => {
  it('drill list names every variant', async () => {
    const run = await runCli(['drill', 'list', '--format', 'json'], { cwd: HOME });
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { name: string; variantOf: string | null }[];
    expect(list[0]).toMatchObject({ name: 'trojan-chart', variantOf: null });
    expect(list.filter((entry) => entry.variantOf === 'trojan-chart').map((entry) => entry.name).sort()).toEqual(
      ['trojan-chart-aggregation', 'trojan-chart-fanout', 'trojan-chart-hooks', 'trojan-chart-native-sidecar', 'trojan-chart-not-default', 'trojan-chart-outside-resolver'],
    );
  });

  it('aggregation: the RBAC engine aggregates the chart role into view, so the audit still names the account', async () => {
    const result = await drill('trojan-chart-aggregation');
    expect(stage(result, 'recon').outcome).toBe('stopped');
    expect(stage(result, 'evaluate').outcome).toBe('detected');
    expect(result.path?.find((step) => step.id === 'read-secrets')?.detail).toMatch(/^4 of 4 API requests allowed/);
    // the chart's ClusterRole write itself is the install-time signal: Secrets aggregated into view
    expect(stage(result, 'expose').summary).toMatch(/^clusterrole-aggregates-sensitive-rules \(critical\) fires 0s after the install/);
  });

  it('hooks: the grants delete themselves, so the audit after the install misses them; the hook Job is the attacker', async () => {
    const result = await drill('trojan-chart-hooks');
    expect(stage(result, 'recon').outcome).toBe('stopped');
    expect(stage(result, 'evaluate').outcome).toBe('missed');
    expect(stage(result, 'evaluate').summary).toMatch(/Helm hooks that delete themselves/);
    expect(stage(result, 'limit').summary).toContain('fast-trace-agent-warmup[Job]');
    expect(stage(result, 'expose').outcome).toBe('detected');
  });

  it('fanout: RoleBindings in two namespaces; the cluster-wide list is forbidden by RBAC, the per-namespace reads are not', async () => {
    const result = await drill('trojan-chart-fanout');
    const detail = result.path?.find((step) => step.id === 'read-secrets')?.detail ?? '';
    const [allowed, total] = (detail.match(/^(\d+) of (\d+) API requests allowed/) ?? []).slice(1).map(Number);
    expect(total).toBe(5);
    expect(allowed).toBe(4);
    expect(stage(result, 'evaluate').outcome).toBe('detected');
  });

  it('not-default: the binding renders only outside default; the probe render in another namespace exposes it', async () => {
    const result = await drill('trojan-chart-not-default');
    expect(stage(result, 'recon').outcome).toBe('stopped');
    expect(stage(result, 'evaluate').outcome).toBe('detected');
  });

  it('native sidecar with a projected token: still stopped by recon and seen by expose', async () => {
    const result = await drill('trojan-chart-native-sidecar');
    expect(stage(result, 'recon').outcome).toBe('stopped');
    expect(stage(result, 'expose').outcome).toBe('detected');
  });

  it('outside resolver: the queries leave straight to 198.51.100.53, CoreDNS logs nothing, and the gaps say so', async () => {
    const result = await drill('trojan-chart-outside-resolver');
    expect(stage(result, 'limit').summary).toContain('DNS queries sent straight to 198.51.100.53');
    const expose = stage(result, 'expose');
    expect(expose.evidence.some((entry) => (entry.steps as string[] | undefined)?.includes('exfiltrate'))).toBe(false);
    expect(expose.gaps.map((gap) => gap.title).join('\n')).toMatch(/CoreDNS never sees the queries/);
    expect(stage(result, 'limit').gaps.map((gap) => gap.title).join('\n')).toMatch(/straight to resolvers outside the cluster/);
  });
});
