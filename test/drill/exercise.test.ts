/**
 * Tabletop, live fire, post-mortem: the runbook quotes the alerts the real rules raise, the kit's chart
 * renders with the real helm and can read nothing but its canary nor resolve anything but its harmless
 * name, and the score turns alerts and times into TTD, MTTR and a post-mortem.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KitManifest } from '../../src/drill/kit.js';
import type { ScoreResult } from '../../src/drill/score.js';
import { loadSources } from '../../src/load/sources.js';
import { buildEngine } from '../../src/rbac/engine.js';
import { serviceAccountIdentity } from '../../src/rbac/subject.js';
import { scanInventory } from '../../src/scan.js';
import { emptyConfig } from '../../src/core/config.js';
import { atOrAbove } from '../../src/core/severity.js';
import { podTemplateOf } from '../../src/core/workload.js';
import { REPO, runCli } from '../helpers/cli.js';

const HOME = mkdtempSync(join(tmpdir(), 'kubeward-drill-exercise-'));

/** Every rule id of the built-in detection rules. */
function builtinRuleIds(): Set<string> {
  const ids = new Set<string>();
  for (const name of readdirSync(join(REPO, 'rules/detect'))) {
    for (const match of readFileSync(join(REPO, 'rules/detect', name), 'utf8').matchAll(/^- rule: (\S+)/gm)) ids.add(match[1]);
  }
  return ids;
}

describe.concurrent('kubeward drill tabletop', () => {
  it('writes the runbook: injects in order, the real alerts, signals, questions for every role, commands', async () => {
    const run = await runCli(['drill', 'tabletop', 'trojan-chart', '--no-config'], { cwd: HOME });
    expect(run.code, run.stderr).toBe(0);
    const text = run.stdout;
    const injects = [...text.matchAll(/^## Inject (\d+) \(\+(\d+)s\): /gm)].map((match) => [Number(match[1]), Number(match[2])]);
    expect(injects.map(([index]) => index)).toEqual([1, 2, 3]);
    expect(injects.map(([, at]) => at)).toEqual([...injects.map(([, at]) => at)].sort((a, b) => a - b));
    // The alert text comes from the rules: every quoted rule is a built-in rule, and each step quotes one.
    const quoted = [...text.matchAll(/`(?:CRITICAL|HIGH|MEDIUM|LOW|INFO)` \*\*([a-z0-9-]+)\*\*/g)].map((match) => match[1]);
    const ids = builtinRuleIds();
    expect(quoted.length).toBeGreaterThanOrEqual(3);
    for (const rule of quoted) expect(ids).toContain(rule);
    for (const role of ['developer', 'on-call', 'platform', 'security']) expect(text).toContain(`- _${role}_: `);
    expect(text).toMatch(/kubeward rbac who-can list secrets -A/);
    expect(text).toMatch(/kubectl delete clusterrolebinding fast-trace-agent/);
    expect(text).toContain('Where did fast-trace-agent come from'); // the scenario's own question
    expect(text).toMatch(/## Gaps to discuss/);
  });
});

describe('kubeward drill kit', () => {
  it('writes a kit whose chart renders with helm, reads only its canary and resolves only the harmless name', async () => {
    const out = join(HOME, 'kit');
    const run = await runCli(['drill', 'kit', 'trojan-chart', '--out', out, '--domain', 'drill.example.org'], { cwd: HOME });
    expect(run.code, run.stderr).toBe(0);
    for (const file of ['README.md', 'kit.json', 'audit-policy.yaml', 'coredns-log.md', 'chart/Chart.yaml', 'chart/values.yaml']) expect(existsSync(join(out, file)), file).toBe(true);
    const kit = JSON.parse(readFileSync(join(out, 'kit.json'), 'utf8')) as KitManifest;
    expect(kit.marker).toMatch(/^[0-9a-f]{32}$/);

    // helm template (the real binary) through the loader, as kubeward scan reads a chart.
    const { inventory } = await loadSources([join(out, 'chart')], { namespace: 'checkout', release: kit.release });
    expect(inventory.byKind('Secret').map((secret) => `${secret.metadata.namespace}/${secret.metadata.name}`)).toEqual([`checkout/${kit.canarySecret}`]);
    expect(readFileSync(join(out, 'chart/values.yaml'), 'utf8')).toContain(`marker: "${kit.marker}"`);

    // RBAC: the account may get the canary and nothing else about Secrets.
    const engine = buildEngine(inventory);
    const account = serviceAccountIdentity('checkout', kit.serviceAccount);
    const can = (verb: string, namespace: string, name = '') => engine.can(account, { verb, apiGroup: '', resource: 'secrets', namespace, name }).allowed;
    expect(can('get', 'checkout', kit.canarySecret)).toBe(true);
    expect(can('get', 'checkout', 'prod-db-credentials')).toBe(false);
    expect(can('list', 'checkout')).toBe(false);
    expect(can('list', '')).toBe(false);
    expect(can('get', 'payments-api', kit.canarySecret)).toBe(false);
    expect(can('watch', 'checkout')).toBe(false);

    // Names the containers reach: the API server's Service name and the harmless domain, nothing else.
    const containers = inventory.byKind('Deployment').flatMap((object) => (podTemplateOf(object)?.spec.containers ?? []) as { args?: string[]; command?: string[] }[]);
    const scripts = containers.flatMap((container) => [...(container.command ?? []), ...(container.args ?? [])]).join('\n');
    const hosts = [...scripts.matchAll(/https?:\/\/([a-z0-9.-]+)/gi)].map((match) => match[1]);
    expect(new Set(hosts)).toEqual(new Set(['kubernetes.default.svc']));
    const lookups = [...scripts.matchAll(/nslookup "?([^" >]+)/g)].map((match) => match[1]);
    expect(lookups).toEqual(['q$i.$MARKER.$DOMAIN']);
    const env = JSON.stringify(inventory.byKind('Deployment')[0].spec);
    expect(env).toContain('"name":"DOMAIN","value":"drill.example.org"');
    expect(env).toContain(`"name":"MARKER","value":"${kit.marker}"`);
    // The secret path the sidecar reads is the canary's, in its own namespace.
    const apiPaths = [...scripts.matchAll(/kubernetes\.default\.svc(\/[^"]*)/g)].map((match) => match[1]);
    expect(apiPaths).toEqual([`/api/v1/namespaces/$(cat $sa/namespace)/secrets/${kit.canarySecret}`]);

    // Severity is a promise: the kit is not the trojan.
    const scan = scanInventory(inventory, emptyConfig(), { releaseNamespace: 'checkout' });
    expect(scan.findings.filter((finding) => atOrAbove(finding.severity, 'high')).map((finding) => `${finding.ruleId} ${finding.message}`)).toEqual([]);
  });

  it('refuses a folder that is not empty, and a domain that is not one: one line, exit 2, nothing written', async () => {
    const full = join(HOME, 'full');
    await runCli(['drill', 'kit', 'trojan-chart', '--out', full], { cwd: HOME });
    const again = await runCli(['drill', 'kit', 'trojan-chart', '--out', full], { cwd: HOME });
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/exists and is not an empty folder/);
    const bad = await runCli(['drill', 'kit', 'trojan-chart', '--out', join(HOME, 'bad'), '--domain', 'evil.example/../x'], { cwd: HOME });
    expect(bad.code).toBe(2);
    expect(existsSync(join(HOME, 'bad'))).toBe(false);
  });
});

describe('kubeward drill score', () => {
  const alert = (time: string, rule: string, priority: string, principal: string, summary: string) => JSON.stringify({ rule, priority, time, principal, summary, evidence: ['x'], stage: 'expose' });
  const first = join(HOME, 'alerts-1.jsonl');
  const second = join(HOME, 'alerts-2.jsonl');
  writeFileSync(
    first,
    [
      alert('2026-03-01T09:59:00Z', 'secrets-listed-cluster-wide', 'high', 'system:serviceaccount:ci:deployer', 'before the drill: not counted'),
      alert('2026-03-01T10:00:40Z', 'new-serviceaccount-reads-secrets', 'medium', 'system:serviceaccount:checkout:kubeward-drill-agent', 'reads a Secret'),
      alert('2026-03-01T10:01:05Z', 'dns-long-random-labels', 'high', 'checkout/kubeward-drill-agent-5bq8k-x7pzz', 'checkout/kubeward-drill-agent-5bq8k-x7pzz (Deployment/kubeward-drill-agent) sent 5 long random-looking names'),
    ].join('\n') + '\n',
  );
  writeFileSync(second, alert('2026-03-02T10:02:00Z', 'dns-many-unique-subdomains', 'high', 'checkout/kubeward-drill-agent-77f-abcde', 'queried 30 distinct subdomains') + '\n');
  const survey = join(HOME, 'survey.yaml');
  writeFileSync(survey, 'confidence: [4, 3, 5, 2]\n');
  const kit = join(HOME, 'score-kit');
  writeFileSync(join(HOME, 'placeholder'), '');

  it('computes TTD, time to remediate and MTTR across drills, who was named, the gaps and the confidence average', async () => {
    await runCli(['drill', 'kit', 'trojan-chart', '--out', kit], { cwd: HOME });
    const run = await runCli(
      ['drill', 'score', '--alerts', first, '--started', '2026-03-01T10:00:00Z', '--remediated', '2026-03-01T10:11:05Z', '--alerts', second, '--started', '2026-03-02T10:00:00Z', '--remediated', '2026-03-02T10:05:00Z', '--survey', survey, '--kit', kit, '--format', 'json'],
      { cwd: HOME },
    );
    expect(run.code, run.stderr).toBe(0);
    const score = JSON.parse(run.stdout) as ScoreResult;
    expect(score.drills.map((drill) => drill.timeToDetectSeconds)).toEqual([65, 120]);
    expect(score.drills.map((drill) => drill.timeToRemediateSeconds)).toEqual([600, 180]);
    expect(score.meanTimeToDetectSeconds).toBe(92.5);
    expect(score.meanTimeToRemediateSeconds).toBe(390);
    expect(score.drills[0].firstAlert?.rule).toBe('dns-long-random-labels');
    expect(score.drills.map((drill) => drill.namedPod)).toEqual([true, true]);
    // The only alert naming the ServiceAccount is medium: below what pages someone.
    expect(score.drills.map((drill) => drill.namedServiceAccount)).toEqual([false, false]);
    expect(score.confidence).toEqual({ responses: 4, average: 3.5 });
    expect(score.gaps.map((gap) => gap.title).join('\n')).toMatch(/above the target of 60s/);
    expect(score.gaps.map((gap) => gap.title).join('\n')).toMatch(/named the ServiceAccount/);
  });

  it('writes the post-mortem template pre-filled with the timeline', async () => {
    const run = await runCli(['drill', 'score', '--alerts', first, '--started', '2026-03-01T10:00:00Z', '--remediated', '2026-03-01T10:11:05Z', '--pod', 'checkout/kubeward-drill-agent-', '--service-account', 'checkout/kubeward-drill-agent'], { cwd: HOME });
    expect(run.code, run.stderr).toBe(0);
    const text = run.stdout;
    expect(text).toMatch(/^# Post-mortem/);
    expect(text).toContain('| Time to detect | 65s |');
    const rows = [...text.matchAll(/^\| (2026-[^ ]+) \| \+([\d.]+)s \| (.*) \|$/gm)].map((match) => [match[2], match[3].slice(0, 30)]);
    expect(rows.map(([offset]) => Number(offset))).toEqual([0, 40, 65, 665]);
    expect(rows[0][1]).toContain('Drill starts');
    expect(rows[3][1]).toContain('Contained');
    expect(text).not.toContain('before the drill');
    for (const section of ['## What went well', '## What was confusing', '## Action items', '## Gaps found']) expect(text).toContain(section);
  });

  it.each([
    ['a time without a zone', ['--started', '2026-03-01 10:00', '--remediated', '2026-03-01T10:11:05Z'], /--started: "2026-03-01 10:00" is not an RFC 3339 time/],
    ['remediated before started', ['--started', '2026-03-01T10:00:00Z', '--remediated', '2026-03-01T09:00:00Z'], /is before --started/],
    ['a second --started without --alerts', ['--started', '2026-03-01T10:00:00Z', '--started', '2026-03-01T10:00:00Z', '--remediated', '2026-03-01T10:11:05Z'], /one --started and one --remediated per --alerts/],
  ])('bad input: %s is one line and exit 2', async (_name, args, message) => {
    const run = await runCli(['drill', 'score', '--alerts', first, ...args], { cwd: HOME });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('bad input: an alerts file that is not alerts names the file and line', async () => {
    const broken = join(HOME, 'broken.jsonl');
    writeFileSync(broken, `${alert('2026-03-01T10:00:40Z', 'x', 'high', 'p', 's')}\n{"rule": "x"}\n`);
    const run = await runCli(['drill', 'score', '--alerts', broken, '--started', '2026-03-01T10:00:00Z', '--remediated', '2026-03-01T10:11:05Z'], { cwd: HOME });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/broken\.jsonl:2: time: a string is required/);
  });
});
