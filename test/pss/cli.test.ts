import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const POD = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: app
        image: "web:1.2"
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: [NET_RAW]}}
`;

describe('kubeward pss: flags and bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeward-pss-'));
  const file = join(dir, 'web.yaml');
  writeFileSync(file, POD);

  it.each([
    [['--level', 'strict'], /^kubeward: unknown Pod Security level "strict": use baseline or restricted\n$/],
    [['--level', 'baseline', '--version', '1.29'], /^kubeward: unknown Pod Security version "1\.29": use latest or v1\.N/],
    [['--level', 'baseline', '--version', 'v2.0'], /^kubeward: unknown Pod Security version "v2\.0"/],
    [['--level', 'baseline', '--format', 'sarif'], /^kubeward: option '--format <format>' argument 'sarif' is invalid/],
  ])('%j: one line, exit 2, no output', async (flags, message) => {
    const result = await runCli(['pss', file, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')[0]).toMatch(/^kubeward: /);
  });

  it('reports a bad level before it reads (or renders) any source', async () => {
    const result = await runCli(['pss', join(dir, 'missing.yaml'), '--level', 'nope']);
    expect(result.stderr).toMatch(/unknown Pod Security level/);
    expect(result.code).toBe(2);
  });

  it('names the check, container, field and line of each failure; baseline passes what restricted denies', async () => {
    const restricted = await runCli(['pss', file, '--level', 'restricted']);
    expect(restricted.code).toBe(1);
    expect(restricted.stdout).toContain('Deployment shop/web');
    // At restricted, capabilities_restricted replaces the baseline check: one failure, not two.
    expect(restricted.stdout).toMatch(/capabilities_restricted\s+unrestricted capabilities: container "app" must not include "NET_RAW"/);
    expect(restricted.stdout).not.toContain('capabilities_baseline');
    expect(restricted.stdout).toMatch(/:13\s+spec\.template\.spec\.containers\[0\]\.securityContext\.capabilities\.add\[0\] = NET_RAW/);
    expect(restricted.stdout).toMatch(/^The pod template fails Pod Security "restricted" at v1\.\d+\.$/m);
    // NET_RAW breaks baseline too; drop it and the pod meets restricted.
    writeFileSync(join(dir, 'fixed.yaml'), POD.replace(', add: [NET_RAW]', ''));
    const fixed = await runCli(['pss', join(dir, 'fixed.yaml'), '--level', 'restricted']);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/^The pod template meets Pod Security "restricted" at v1\.\d+\.$/m);
    const baseline = await runCli(['pss', file, '--level', 'baseline', '--format', 'json', '-o', join(dir, 'out.json')]);
    expect(baseline.code).toBe(1);
    expect(baseline.stdout).toBe('');
    const report = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect(report.podTemplates[0].failures.map((failure: { check: string }) => failure.check)).toEqual(['capabilities_baseline']);
  });
});
