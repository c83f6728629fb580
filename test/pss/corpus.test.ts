import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { podTemplateOf } from '../../src/core/workload.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { checkById, checksFor, checkViolations, evaluatePod, LATEST_MINOR, POD_SECURITY_CHECKS, type Level } from '../../src/pss/index.js';
import { runCli } from '../helpers/cli.js';
import { corpusPath } from '../helpers/corpus.js';

/**
 * The pod-security-admission fixtures (upstream's test/testdata): every pod under
 * `<level>/v1.<minor>/pass` is allowed at that level and version, every pod under `fail` is denied,
 * and denied by the check its file name names (or by the restricted check that replaces it at that
 * version). No file is skipped.
 */
const ROOT = corpusPath('pod-security', 'testdata');

interface Fixture {
  file: string;
  expected: 'pass' | 'fail';
  prefix: string;
}

function fixtures(level: Level, version: string): Fixture[] {
  return (['pass', 'fail'] as const).flatMap((expected) =>
    readdirSync(join(ROOT, level, version, expected))
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => ({ file: join(ROOT, level, version, expected, name), expected, prefix: name.replace(/\d*\.yaml$/, '') })),
  );
}

/** The check ids a fixture named after `prefix` may fail with: that check, or a restricted check that overrides it. */
function acceptableChecks(prefix: string): string[] {
  const check = POD_SECURITY_CHECKS.find((candidate) => candidate.id.toLowerCase() === prefix);
  if (!check) return [];
  const overriders = POD_SECURITY_CHECKS.filter((candidate) => candidate.versions.some((entry) => entry.overrides?.includes(check.id))).map((candidate) => candidate.id);
  return [check.id, ...overriders];
}

const directories = (['baseline', 'restricted'] as const).flatMap((level) =>
  readdirSync(join(ROOT, level))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
    .map((version) => ({ level, version })),
);

describe('pod-security-admission fixtures', () => {
  it('cover both levels at every version from v1.0 to the latest kubeward knows', () => {
    expect(directories).toHaveLength(2 * (LATEST_MINOR + 1));
    expect(directories.reduce((sum, { level, version }) => sum + fixtures(level, version).length, 0)).toBe(4537);
  });

  it.each(directories)('$level $version: pass and fail agree, attributed to the named check', ({ level, version }) => {
    const disagreements: string[] = [];
    for (const fixture of fixtures(level, version)) {
      const { inventory, warnings } = inventoryFromText(readFileSync(fixture.file, 'utf8'), fixture.file);
      expect(warnings).toEqual([]);
      const template = podTemplateOf(inventory.objects[0]);
      if (!template) throw new Error(`${fixture.file} holds no pod`);
      const policyVersion = { minor: Number(version.split('.')[1]) };
      const failures = evaluatePod({ metadata: template.metadata, spec: template.spec }, level, policyVersion);
      // What the rules of a scan read (one check alone, no detail written) is what the level's evaluation found.
      for (const { check } of checksFor(level, policyVersion)) {
        expect(checkViolations(check, template, policyVersion), `${fixture.file} ${check.id}`).toEqual(failures.find((failure) => failure.check === check.id)?.violations ?? []);
      }
      const failed = failures.map((failure) => failure.check);
      if (fixture.expected === 'pass' && failed.length) disagreements.push(`${fixture.file}: denied by ${failed.join(', ')}`);
      if (fixture.expected === 'fail') {
        if (!failed.length) disagreements.push(`${fixture.file}: allowed`);
        else if (!failed.some((id) => acceptableChecks(fixture.prefix).includes(id))) disagreements.push(`${fixture.file}: denied by ${failed.join(', ')}, not ${fixture.prefix}`);
      }
      for (const failure of failures) expect(failure.violations.length, `${fixture.file} ${failure.check}`).toBeGreaterThan(0);
    }
    expect(disagreements).toEqual([]);
  });

  it('names every check the fixtures exercise', () => {
    const prefixes = new Set(directories.flatMap(({ level, version }) => fixtures(level, version).map((fixture) => fixture.prefix)));
    prefixes.delete('base');
    prefixes.delete('base_linux');
    prefixes.delete('base_windows');
    expect([...prefixes].filter((prefix) => acceptableChecks(prefix).length === 0)).toEqual([]);
    expect(POD_SECURITY_CHECKS.every((check) => checkById(check.id) === check)).toBe(true);
  });
});

describe('kubeward pss on fixture directories', () => {
  it('exits 0 on a pass directory and 1 on a fail directory, listing every denied pod', async () => {
    const pass = await runCli(['pss', join(ROOT, 'restricted', 'v1.25', 'pass'), '--level', 'restricted', '--version', 'v1.25']);
    expect(pass.stderr).toBe('');
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/^All 17 pod templates meet Pod Security "restricted" at v1\.25\.$/m);
    const fail = await runCli(['pss', join(ROOT, 'baseline', 'v1.34', 'fail'), '--level', 'baseline', '--version', 'v1.34', '--format', 'json']);
    expect(fail.code).toBe(1);
    const report = JSON.parse(fail.stdout);
    expect(report.summary).toEqual({ podTemplates: 34, allowed: 0, denied: 34 });
    expect(report.evaluatedVersion).toBe('v1.34');
    const probe = report.podTemplates.find((result: { object: { name: string } }) => result.object.name === 'hostprobesandhostlifecycle1');
    expect(probe.failures).toEqual([
      expect.objectContaining({
        check: 'hostProbesAndHostLifecycle',
        level: 'baseline',
        violations: [{ container: 'initcontainer1', field: 'spec.initContainers[0].readinessProbe.tcpSocket.host', value: '8.8.8.8', line: expect.any(Number) }],
      }),
    ]);
  });

  it('judges by the version asked: the same pods pass baseline v1.33 and fail it at v1.34', async () => {
    const dir = join(ROOT, 'baseline', 'v1.34', 'fail');
    const files = readdirSync(dir).filter((name) => name.startsWith('hostprobesandhostlifecycle')).map((name) => join(dir, name));
    expect(files).toHaveLength(5);
    expect((await runCli(['pss', ...files, '--level', 'baseline', '--version', 'v1.33'])).code).toBe(0);
    expect((await runCli(['pss', ...files, '--level', 'baseline', '--version', 'latest'])).code).toBe(1);
  });
});
