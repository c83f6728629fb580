/**
 * Each command loads its code and its heavy dependencies when it runs (issue 9): `--version` and
 * `--help` load commander and the command definitions only; a scan of one Pod loads no Kubernetes
 * client, no policy, detection or server code, no archive reader and no second YAML parser. Checked
 * on the modules the CLI process really loads (test/speed/loaded-modules.mjs lists them).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { spawn } from 'node:child_process';

const LOADER = join(import.meta.dirname, 'loaded-modules.mjs');
const UNBUNDLED = join(import.meta.dirname, 'unbundled.mjs');
const BIN = join(REPO, 'bin/kubeward.js');

/** A module as the assertions name it: relative to the checkout (dist/…), or node_modules/PACKAGE. */
function moduleName(path: string): string {
  const inPackage = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return inPackage ? `node_modules/${inPackage[1]}` : path.replace(/^.*\/(dist|bin)\//, '$1/');
}

/**
 * The modules a CLI run loaded: kubeward's own, run unbundled (dist/cli), where each module is a
 * file; and the packages, run as users do (bin/kubeward.js and its one-file bundle, in which a module
 * a command imports when it runs is evaluated only then, as unbundled).
 */
async function loadedModules(args: string[], entry: 'unbundled' | 'bundled'): Promise<string[]> {
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', LOADER, entry === 'bundled' ? BIN : UNBUNDLED, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  expect(result.code, result.stderr).toBeLessThanOrEqual(1);
  const files = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('kubeward-loaded file://'))
    .map((line) => moduleName(line.slice('kubeward-loaded file://'.length)));
  if (entry === 'bundled') expect(files, 'the CLI runs from the bundle').not.toContain('dist/cli/main.js');
  return [...new Set(files)];
}

const HEAVY_PACKAGES = ['@kubernetes/client-node', '@marcbachmann/cel-js', 're2js', 'tar', 'yauzl', 'tldts', 'yaml'];

describe('commands load their code on first use', () => {
  it('--version and --help load the command definitions only', async () => {
    for (const args of [['--version'], ['--help'], ['rbac', 'risks', '--help']]) {
      const modules = await loadedModules(args, 'unbundled');
      expect(modules).toContain('dist/cli/scan.js');
      expect(modules.filter((module) => module.startsWith('node_modules/'))).toEqual(['node_modules/commander']);
      // Bundled, commander is in the bundle: no package at all.
      expect((await loadedModules(args, 'bundled')).filter((module) => module.startsWith('node_modules/'))).toEqual([]);
      const engines = modules.filter((module) => /^dist\/(scan\.js|rules|netpol\/(?!defaults)|detect|policy\/(?!cel\/versions)|serve|supply|load\/(?!input)|report\/(?!formats))/.test(module) || /^dist\/cli\/.*-run\.js$/.test(module));
      expect(engines, args.join(' ')).toEqual([]);
    }
  });

  it('a one-Pod scan loads the scan, not the other commands nor the packages it does not need', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'kubeward-lazy-'));
    const pod = join(folder, 'pod.yaml');
    writeFileSync(pod, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n');
    const modules = await loadedModules(['scan', pod, '--format', 'json'], 'unbundled');
    expect(modules).toContain('dist/scan.js');
    expect(modules).toContain('dist/rules/engine.js');
    expect(modules.filter((module) => HEAVY_PACKAGES.some((name) => module === `node_modules/${name}`))).toEqual([]);
    // The live cluster's loader (node's HTTP and TLS with it) only for a live cluster, the archive reader only for archives.
    expect(modules.filter((module) => ['dist/load/cluster.js', 'dist/load/archive.js'].includes(module))).toEqual([]);
    // Bundled, the packages a scan does not need stay unloaded too.
    expect((await loadedModules(['scan', pod, '--format', 'json'], 'bundled')).filter((module) => module.startsWith('node_modules/'))).toEqual([]);
    // Detection, admission policies and the servers are other commands' (the netpol engine's flow parser in detect/ is shared).
    const otherCommands = ['dist/detect/pipeline.js', 'dist/detect/falco.js', 'dist/policy/run.js', 'dist/policy/cel/environment.js', 'dist/load/policies.js'];
    expect(modules.filter((module) => otherCommands.includes(module) || module.startsWith('dist/serve/') || /^dist\/cli\/.*-run\.js$/.test(module))).toEqual([]);
  });
});
