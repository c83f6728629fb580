import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { REPO, runCli } from '../helpers/cli.js';

const run = promisify(execFile);
const TROJAN = join(REPO, 'test/fixtures/charts/fast-trace-agent');
/** The trojan chart without its secret-reading RBAC and its privileged sidecar: nothing at high or above. */
const HARMLESS = ['--set', 'sidecar.enabled=false', '--set', 'serviceAccount.create=false'];

describe('kubeward gate as a Helm 4 post-renderer plugin', () => {
  let helm: string;
  const home = mkdtempSync(join(tmpdir(), 'kw-gate-'));
  const env = {
    ...process.env,
    HELM_DATA_HOME: join(home, 'data'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    KUBEWARD: `${process.execPath} ${join(REPO, 'bin/kubeward.js')}`,
    NO_COLOR: '1',
  };

  beforeAll(async () => {
    helm = await findTool('helm');
    await run(helm, ['plugin', 'install', join(REPO, 'helm-plugin/kubeward')], { env });
  });

  it('blocks the trojan chart: helm fails and nothing reaches stdout; the report is kept with --output', async () => {
    const report = join(home, 'gate.json');
    const failure = await run(helm, ['template', 'tracing', TROJAN, '-n', 'checkout', '--post-renderer', 'kubeward', '--post-renderer-args', `--output=${report}`, '--post-renderer-args', '--format=json'], { env }).catch((error) => error);
    expect(failure.code).toBe(1);
    expect(failure.stdout).toBe('');
    expect(failure.stderr).toMatch(/post-renderer plugin "kubeward"/);
    const findings = JSON.parse(readFileSync(report, 'utf8')).findings;
    expect(findings.find((finding: { ruleId: string }) => finding.ruleId === 'privileged-container')).toMatchObject({
      object: { kind: 'Deployment', namespace: 'default', name: 'tracing-fast-trace-agent' },
      location: { file: 'fast-trace-agent/templates/deployment.yaml' },
    });
  });

  it('lets a chart through unchanged when nothing reaches --fail-on', async () => {
    const plain = await run(helm, ['template', 'tracing', TROJAN, ...HARMLESS], { env });
    const gated = await run(helm, ['template', 'tracing', TROJAN, ...HARMLESS, '--post-renderer', 'kubeward'], { env });
    // Helm re-serialises what a post-renderer returns and keeps its filename annotation: compare objects.
    const objects = (text: string) =>
      loadAll(text)
        .filter(Boolean)
        .map((object) => {
          const copy = structuredClone(object) as { metadata: { annotations?: Record<string, string> } };
          delete copy.metadata.annotations?.['postrenderer.helm.sh/postrender-filename'];
          if (copy.metadata.annotations && Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
          return JSON.stringify(copy);
        })
        .sort();
    expect(objects(gated.stdout)).toEqual(objects(plain.stdout));
    expect(objects(gated.stdout)).toHaveLength(3);
  });

  it('run directly, it reads helm output on stdin and reports on stderr only', async () => {
    const { stdout: rendered } = await run(helm, ['template', 'tracing', TROJAN], { env });
    const blocked = await runCli(['gate', '--namespace', 'checkout'], { input: rendered });
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toBe('');
    expect(blocked.stderr).toContain('Deployment checkout/tracing-fast-trace-agent fast-trace-agent/templates/deployment.yaml');
    const { stdout: harmless } = await run(helm, ['template', 'tracing', TROJAN, ...HARMLESS], { env });
    const allowed = await runCli(['gate'], { input: harmless });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toBe(harmless);
  });
});
