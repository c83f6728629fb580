/**
 * Each command loads its code and its heavy dependencies when it runs (issue 9): `--version` and
 * `--help` load commander and the command definitions only; a scan of one Pod loads no Kubernetes
 * client, no policy, detection or server code, no archive reader and no second YAML parser. Checked
 * on the modules the CLI process really loads (test/speed/loaded-modules.mjs lists them).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';

const LOADER = join(import.meta.dirname, 'loaded-modules.mjs');

/** The modules each chunk of the bundled CLI holds (scripts/bundle.mjs writes it). */
const CHUNKS = JSON.parse(readFileSync(join(REPO, 'dist/bundle/chunks.json'), 'utf8')) as Record<string, string[]>;

/** A module as the assertions name it: relative to the checkout (dist/…), or node_modules/PACKAGE. */
function moduleName(path: string): string {
  const inPackage = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return inPackage ? `node_modules/${inPackage[1]}` : path.replace(/^.*\/(dist|bin)\//, '$1/');
}

/** The modules a CLI run loaded: files it read, and the modules inside the bundle's chunks it read. */
async function loadedModules(args: string[]): Promise<string[]> {
  const result = await runCli(args, { env: { NODE_OPTIONS: `--import ${LOADER}` } });
  expect(result.code, result.stderr).toBeLessThanOrEqual(1);
  const files = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('kubeward-loaded file://'))
    .map((line) => line.slice('kubeward-loaded file://'.length));
  const chunks = files.map((file) => file.replace(/^.*\/(dist\/bundle\/)/, '$1')).filter((file) => file.startsWith('dist/bundle/'));
  expect(chunks, 'the CLI runs from the bundle').toContain('dist/bundle/main.js');
  return [...new Set([...files, ...chunks.flatMap((chunk) => CHUNKS[chunk] ?? [])].map(moduleName))].filter((module) => !module.startsWith('dist/bundle/'));
}

const HEAVY_PACKAGES = ['@kubernetes/client-node', '@marcbachmann/cel-js', 're2js', 'tar', 'yauzl', 'tldts', 'yaml'];

describe('commands load their code on first use', () => {
  it('--version and --help load the command definitions only', async () => {
    for (const args of [['--version'], ['--help'], ['rbac', 'risks', '--help']]) {
      const modules = await loadedModules(args);
      expect(modules).toContain('dist/cli/scan.js');
      expect(modules.filter((module) => module.startsWith('node_modules/'))).toEqual(['node_modules/commander']);
      const engines = modules.filter((module) => /^dist\/(scan\.js|rules|netpol\/(?!defaults)|detect|policy\/(?!cel\/versions)|serve|supply|load\/(?!input)|report\/(?!formats))/.test(module) || /^dist\/cli\/.*-run\.js$/.test(module));
      expect(engines, args.join(' ')).toEqual([]);
    }
  });

  it('a one-Pod scan loads the scan, not the other commands nor the packages it does not need', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'kubeward-lazy-'));
    const pod = join(folder, 'pod.yaml');
    writeFileSync(pod, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n');
    const modules = await loadedModules(['scan', pod, '--format', 'json']);
    expect(modules).toContain('dist/scan.js');
    expect(modules).toContain('dist/rules/engine.js');
    expect(modules.filter((module) => HEAVY_PACKAGES.some((name) => module === `node_modules/${name}`))).toEqual([]);
    // Detection, admission policies and the servers are other commands' (the netpol engine's flow parser in detect/ is shared).
    const otherCommands = ['dist/detect/pipeline.js', 'dist/detect/falco.js', 'dist/policy/run.js', 'dist/policy/cel/environment.js', 'dist/load/policies.js'];
    expect(modules.filter((module) => otherCommands.includes(module) || module.startsWith('dist/serve/') || /^dist\/cli\/.*-run\.js$/.test(module))).toEqual([]);
  });
});
