/**
 * `kubeward drill run` end to end: the real CLI, the real helm, every engine, the team's inputs as
 * files. Each case is one run with one input changed from the default, and checks the stage that
 * input speaks to, the contract's fields and the exit code.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRILL_STAGES, type DrillResult } from '../../src/drill/result.js';
import { REPO, runCli } from '../helpers/cli.js';

const FIXTURES = join(REPO, 'test/drill/fixtures');
const fixture = (name: string) => join(FIXTURES, name);
/** A folder with no .kubeward.yaml above it: the team's configuration is only what a test passes. */
const HOME = mkdtempSync(join(tmpdir(), 'kubeward-drill-test-'));

async function drill(...args: string[]): Promise<{ code: number | null; result: DrillResult; stderr: string }> {
  const run = await runCli(['drill', 'run', ...args, '--format', 'json'], { cwd: HOME });
  expect(run.stderr, run.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
  return { code: run.code, result: JSON.parse(run.stdout) as DrillResult, stderr: run.stderr };
}

const stage = (result: DrillResult, name: string) => result.stages.find((entry) => entry.stage === name)!;

function expectContract(result: DrillResult): void {
  expect(Object.keys(result).slice(0, 7)).toEqual(['kubeward', 'scenario', 'namespace', 'stages', 'firstStop', 'timeToDetectSeconds', 'gaps']);
  expect(result.stages.map((entry) => entry.stage)).toEqual([...DRILL_STAGES]);
  for (const entry of result.stages) {
    expect(Object.keys(entry)).toEqual(['stage', 'outcome', 'summary', 'evidence', 'gaps']);
    expect(['stopped', 'partial', 'detected', 'missed']).toContain(entry.outcome);
    expect(entry.summary.length).toBeGreaterThan(10);
    for (const evidence of entry.evidence) expect(typeof evidence.text).toBe('string');
    for (const gap of entry.gaps) expect(Object.keys(gap)).toEqual(['title', 'fix']);
  }
  expect(result.gaps).toBe(result.stages.reduce((sum, entry) => sum + entry.gaps.length, 0));
}

describe.concurrent('kubeward drill run trojan-chart', () => {
  it('with no team inputs: recon stops it at the default threshold, expose detects it within 60 s, limit does not stop it', async () => {
    const { code, result } = await drill('trojan-chart', '--no-config');
    expectContract(result);
    expect(result).toMatchObject({ scenario: 'trojan-chart', namespace: 'checkout', firstStop: 'recon' });
    expect(stage(result, 'recon').outcome).toBe('stopped');
    expect(stage(result, 'recon').summary).toContain('--fail-on high');
    expect(stage(result, 'evaluate').outcome).toBe('detected');
    expect(stage(result, 'fortify').outcome).toBe('missed');
    // The fix names what the built-in pack would deny, read from the policy engine.
    expect(stage(result, 'fortify').gaps[0].fix).toMatch(/would deny ClusterRoleBinding fast-trace-agent/);
    expect(stage(result, 'limit').outcome).toBe('missed');
    expect(stage(result, 'expose').outcome).toBe('detected');
    expect(result.timeToDetectSeconds).not.toBeNull();
    expect(result.timeToDetectSeconds!).toBeGreaterThanOrEqual(0);
    expect(result.timeToDetectSeconds!).toBeLessThanOrEqual(60);
    // The exfiltration step is seen by a DNS alert that names the pod (attributed through the pod's IP).
    const exfiltration = stage(result, 'expose').evidence.filter((entry) => (entry.steps as string[] | undefined)?.includes('exfiltrate'));
    expect(exfiltration.length).toBeGreaterThan(0);
    expect(exfiltration.some((entry) => entry.namesPod === true)).toBe(true);
    expect(result.path?.map((step) => step.status)).toEqual(['ran', 'ran', 'ran']);
    expect(code).toBe(0);
  });

  it('with --fail-on none: recon misses, and firstStop moves on to the next stage that holds', async () => {
    const { code, result } = await drill('trojan-chart', '--no-config', '--fail-on', 'none');
    expectContract(result);
    expect(stage(result, 'recon').outcome).toBe('missed');
    expect(stage(result, 'recon').gaps.map((gap) => gap.title).join('\n')).toContain('--fail-on none');
    expect(result.firstStop).toBe('expose');
    expect(code).toBe(0);
  });

  it('in a namespace that denies all egress: limit stops it before the Secrets are read, and the later steps leave no trace', async () => {
    const { code, result } = await drill('trojan-chart', '--no-config', '--fail-on', 'none', '--cluster', fixture('deny-all-egress.yaml'));
    expectContract(result);
    const limit = stage(result, 'limit');
    expect(limit.outcome).toBe('stopped');
    expect(limit.summary).toContain('the Secrets cannot be read');
    expect(result.firstStop).toBe('limit');
    expect(result.path?.map((step) => step.status)).toEqual(['ran', 'blocked', 'not reached']);
    // Nothing was read or sent, so no alert sees those steps.
    const steps = stage(result, 'expose').evidence.flatMap((entry) => (entry.steps as string[] | undefined) ?? []);
    expect(steps).not.toContain('read-secrets');
    expect(steps).not.toContain('exfiltrate');
    expect(code).toBe(0);
  });

  it('denying egress but allowing the API server and DNS to kube-dns: limit is partial, and says CoreDNS forwards the names', async () => {
    const { result } = await drill('trojan-chart', '--no-config', '--fail-on', 'none', '--cluster', fixture('deny-egress-allow-api-dns.yaml'));
    expectContract(result);
    const limit = stage(result, 'limit');
    expect(limit.outcome).toBe('partial');
    expect(limit.summary).toMatch(/does not stop DNS exfiltration, because CoreDNS forwards the encoded names upstream/);
    expect(limit.summary).toContain('203.0.113.80');
    // The API server's address came from the EndpointSlice in the sources, not an assumption.
    const api = limit.evidence.find((entry) => entry.to === 'api-server')!;
    expect(api.destination).toContain('172.18.0.2');
    expect(api.allowed).toBe(true);
    expect(limit.gaps.map((gap) => gap.fix).join('\n')).toMatch(/RPZ|DNS-aware/);
    // Partial leaves a way out: it is not where the attack stops.
    expect(result.firstStop).toBe('expose');
  });

  it("with a team configuration that suppresses the findings: recon and evaluate miss, and the gaps name the suppression", async () => {
    const { code, result } = await drill('trojan-chart', '--config', fixture('suppressing.kubeward.yaml'));
    expectContract(result);
    const recon = stage(result, 'recon');
    expect(recon.outcome).toBe('missed');
    expect(recon.gaps.length).toBeGreaterThan(0);
    for (const gap of recon.gaps) expect(gap.title).toMatch(/suppressed by .*suppressing\.kubeward\.yaml \("tracing vendor reviewed in 2025"\)/);
    expect(stage(result, 'evaluate').outcome).toBe('missed');
    expect(result.firstStop).toBe('expose');
    expect(code).toBe(0);
  });

  it('with team detection rules that miss it (and no other stage holding): expose misses, exit 1', async () => {
    const { code, result } = await drill('trojan-chart', '--no-config', '--fail-on', 'none', '--rules', fixture('exec-only-rules.yaml'));
    expectContract(result);
    expect(stage(result, 'expose').outcome).toBe('missed');
    expect(stage(result, 'expose').summary).toContain('exec-only-rules.yaml');
    expect(stage(result, 'expose').gaps.length).toBeGreaterThanOrEqual(3);
    expect(result.timeToDetectSeconds).toBeNull();
    expect(result.firstStop).toBeNull();
    expect(code).toBe(1);
  });

  it("with the team's own ValidatingAdmissionPolicy in --cluster: fortify stops the install at the ClusterRoleBinding", async () => {
    const { code, result } = await drill('trojan-chart', '--no-config', '--fail-on', 'none', '--cluster', fixture('team-vap.yaml'));
    expectContract(result);
    const fortify = stage(result, 'fortify');
    expect(fortify.outcome).toBe('stopped');
    expect(fortify.summary).toMatch(/admission denies ClusterRoleBinding fast-trace-agent \(platform-cluster-bindings\)/);
    expect(fortify.evidence[0].text).toContain('only platform-admins create ClusterRoleBindings');
    expect(result.firstStop).toBe('fortify');
    expect(code).toBe(0);
  });

  it('with --policies builtin: the built-in pack is the team\'s, and it denies', async () => {
    const { result } = await drill('trojan-chart', '--no-config', '--fail-on', 'none', '--policies', 'builtin');
    expect(stage(result, 'fortify').outcome).toBe('stopped');
    expect(stage(result, 'fortify').summary).toContain('kubeward-cluster-role-bindings');
  });

  it("with the team's Falco rules only: a rule at ERROR (high) on the cluster-wide list detects the read step", async () => {
    const { result } = await drill('trojan-chart', '--no-config', '--fail-on', 'none', '--falco-rules', fixture('team-falco.yaml'));
    const expose = stage(result, 'expose');
    expect(expose.outcome).toBe('detected');
    expect(expose.summary).toMatch(/^K8s Secrets Listed Across Namespaces \(high\) fires 40s after the install/);
    expect(result.timeToDetectSeconds).toBe(40);
    expect(expose.gaps.map((gap) => gap.title).join('\n')).toMatch(/no rule alerts on "The sidecar encodes what it read/);
  });

  it('with --max-ttd below the first alert: expose misses and names the late alert', async () => {
    const { result } = await drill('trojan-chart', '--no-config', '--fail-on', 'none', '--rules', join(REPO, 'rules/detect/20-dns.yaml'), '--max-ttd', '5');
    expect(stage(result, 'expose').outcome).toBe('missed');
    expect(stage(result, 'expose').summary).toMatch(/fires [\d.]+s after the install, later than --max-ttd 5s/);
  });
});

describe.concurrent('kubeward drill: bad input is one line and exit 2', () => {
  it.each([
    ['an unknown scenario', ['drill', 'run', 'no-such-scenario'], /unknown scenario "no-such-scenario" \(known: trojan-chart/],
    ['a scenario file missing a step', ['drill', 'run', join(FIXTURES, 'missing-step.yaml')], /missing-step\.yaml: steps: no "exfiltrate" step/],
    ['a --cluster source that fails to load', ['drill', 'run', 'trojan-chart', '--cluster', join(FIXTURES, 'no-such-dump.json')], /no-such-dump\.json/],
    ['a --cluster source that is not YAML', ['drill', 'run', 'trojan-chart', '--cluster', join(REPO, 'drills/charts/trojan-chart/templates/_helpers.tpl')], /kubeward: /],
  ])('%s', async (_name, args, message) => {
    const run = await runCli(args, { cwd: HOME });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kubeward: /);
    expect(lines[0]).toMatch(message);
  });

  it('a chart that puts its attacker in another namespace than the release', async () => {
    const chart = join(HOME, 'elsewhere-chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: elsewhere\nversion: 0.1.0\n');
    writeFileSync(
      join(chart, 'templates', 'deployment.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: agent, namespace: kube-system}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {containers: [{name: agent, image: busybox:1.36.1}]}\n',
    );
    const file = join(HOME, 'elsewhere.yaml');
    writeFileSync(
      file,
      `apiVersion: kubeward.io/v1alpha1\nkind: DrillScenario\nmetadata: {name: elsewhere}\nnamespace: checkout\nchart: {path: ${chart}}\nattacker: {workload: Deployment/agent}\nsteps:\n  - {id: install}\n  - {id: read-secrets, at: 1s, connections: [{to: api-server}], requests: [{verb: list, resource: secrets}]}\n  - {id: exfiltrate, at: 2s, channels: [{to: cluster-dns}], dns: {domain: x.example.com}}\n`,
    );
    const run = await runCli(['drill', 'run', file, '--no-config'], { cwd: HOME });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/attacker\.workload: Deployment\/agent is not a workload of namespace checkout/);
  });

  it('a scenario whose attacker is not in its chart', async () => {
    const file = join(HOME, 'wrong-attacker.yaml');
    writeFileSync(
      file,
      `apiVersion: kubeward.io/v1alpha1\nkind: DrillScenario\nmetadata: {name: wrong}\nnamespace: checkout\nchart: {path: ${join(REPO, 'drills/charts/trojan-chart')}}\nattacker: {workload: Deployment/nope}\nsteps:\n  - {id: install}\n  - {id: read-secrets, at: 1s, connections: [{to: api-server}], requests: [{verb: list, resource: secrets}]}\n  - {id: exfiltrate, at: 2s, channels: [{to: cluster-dns}], dns: {domain: x.example.com}}\n`,
    );
    const run = await runCli(['drill', 'run', file], { cwd: HOME });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/attacker\.workload: Deployment\/nope is not among the chart's objects/);
  });
});
