import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compareStrings } from '../../src/core/order.js';
import { writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';

const NAMES = ['z', 'ä', 'B', 'a_b', 'a-b', 'ab', 'a'];

describe('compareStrings', () => {
  it('orders as Array.prototype.sort() does, whatever the locale', () => {
    expect([...NAMES].sort(compareStrings)).toEqual([...NAMES].sort());
    expect([...NAMES].sort(compareStrings)).toEqual(['B', 'a', 'a-b', 'a_b', 'ab', 'z', 'ä']);
  });

  it('is a consistent comparison (antisymmetric, zero only for equal strings)', () => {
    for (const a of NAMES) {
      for (const b of NAMES) {
        expect(Math.sign(compareStrings(a, b)) + Math.sign(compareStrings(b, a))).toBe(0);
        expect(compareStrings(a, b) === 0).toBe(a === b);
      }
    }
  });
});

describe('scan output does not depend on the user locale', () => {
  const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${name.charCodeAt(0)}\n  namespace: shop\nspec:\n  containers:\n    - name: app\n      image: nginx:latest\n`;
  const folder = writeTree(Object.fromEntries(NAMES.map((name) => [`${name}.yaml`, pod(name)])));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('lists files and findings in one order under Swedish, German and C locales', async () => {
    const runs = await Promise.all(
      ['sv_SE.UTF-8', 'de_DE.UTF-8', 'C'].map((locale) => runCli(['scan', folder, '--format', 'json', '--fail-on', 'none'], { env: { LANG: locale, LC_ALL: locale } })),
    );
    for (const run of runs) expect(run.stderr).toBe('');
    expect(runs[1].stdout).toBe(runs[0].stdout);
    expect(runs[2].stdout).toBe(runs[0].stdout);
    // Within one rule and severity, findings follow their files in code-unit order (Swedish collation puts ä after z, German before it).
    const findings = JSON.parse(runs[0].stdout).findings as { ruleId: string; location: { file: string } }[];
    const files = findings.filter((finding) => finding.ruleId === findings[0].ruleId).map((finding) => finding.location.file.replace(/^.*\//, ''));
    expect(files).toEqual(NAMES.map((name) => `${name}.yaml`).sort());
  });
});
