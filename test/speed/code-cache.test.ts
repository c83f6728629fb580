/**
 * bin/kubeward.js compiles the bundled CLI with V8's code cache (src/cli/code-cache.ts): written once,
 * by the first run of a command, into the user's own cache folder; never a reason to fail, and never
 * a different answer.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { REPO, runCli } from '../helpers/cli.js';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n';

function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'kubeward-code-cache-'));
  const pod = join(root, 'pod.yaml');
  writeFileSync(pod, POD);
  return { cache: join(root, 'cache'), folder: join(root, 'cache', 'code-cache'), pod };
}

describe('the code cache', () => {
  it('is written by the first run of a command (not by --version), read by the next, and changes no answer', async () => {
    const { cache, folder, pod } = setUp();
    const env = { KUBEWARD_CACHE_DIR: cache };
    expect((await runCli(['--version'], { env })).code).toBe(0);
    expect(readdirSync(folder)).toEqual([]);

    const first = await runCli(['scan', pod, '--format', 'json'], { env });
    const [file] = readdirSync(folder);
    expect(file).toMatch(/kubeward\.cjs-\d+-\d+-node[\d.]+-\w+\.bin$/);
    expect(statSync(join(folder, file)).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const written = statSync(join(folder, file)).mtimeMs;

    const second = await runCli(['scan', pod, '--format', 'json'], { env });
    expect(second.stdout).toBe(first.stdout);
    expect(second.code).toBe(first.code);
    // Code read from the cache loads packages on first use too (tar, for a chart archive).
    execFileSync(await findTool('helm'), ['package', join(REPO, 'test/fixtures/charts/recon/trojan'), '--destination', dirname(pod)], { stdio: 'ignore' });
    const archive = await runCli(['scan', join(dirname(pod), 'trojan-0.1.0.tgz'), '--format', 'json', '--fail-on', 'none'], { env });
    expect(archive.stderr).toBe('');
    expect(archive.code).toBe(0);
    // Accepted by V8, so not written again.
    expect(readdirSync(folder)).toEqual([file]);
    expect(statSync(join(folder, file)).mtimeMs).toBe(written);
  });

  it('a cache V8 refuses (corrupt, or from another build) is replaced, and the run answers as without it', async () => {
    const { cache, folder, pod } = setUp();
    const env = { KUBEWARD_CACHE_DIR: cache };
    const clean = await runCli(['scan', pod, '--format', 'json'], { env });
    const [file] = readdirSync(folder);
    writeFileSync(join(folder, file), Buffer.alloc(4096, 7));
    const withGarbage = await runCli(['scan', pod, '--format', 'json'], { env });
    expect(withGarbage.stdout).toBe(clean.stdout);
    expect(withGarbage.stderr).toBe('');
    expect(statSync(join(folder, file)).size).toBeGreaterThan(100_000);
  });

  it('keeps the caches of the eight most recently written bundles, and removes what a dead run left half-written', async () => {
    const { cache, folder, pod } = setUp();
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const day = 24 * 3600;
    const now = Date.now() / 1000;
    // Ten other checkouts, written one day apart (old-0 the most recent), a run that died writing, one writing now.
    const others = Array.from({ length: 10 }, (_, index) => `_gone_checkout_${index}_kubeward.cjs-1-2-node20.0.0-x64.bin`);
    others.forEach((name, index) => {
      writeFileSync(join(folder, name), 'x', { mode: 0o600 });
      utimesSync(join(folder, name), now - (index + 1) * day, now - (index + 1) * day);
    });
    writeFileSync(join(folder, 'dead.bin.123.partial'), 'x');
    utimesSync(join(folder, 'dead.bin.123.partial'), now - day, now - day);
    writeFileSync(join(folder, 'busy.bin.456.partial'), 'x');
    const run = await runCli(['scan', pod, '--format', 'json'], { env: { KUBEWARD_CACHE_DIR: cache } });
    expect(run.code, run.stderr).toBe(0);
    const left = readdirSync(folder).sort();
    const own = left.filter((name) => name.includes('kubeward.cjs') && !name.startsWith('_gone_'));
    expect(own).toHaveLength(1);
    expect(left).toEqual([...others.slice(0, 7), 'busy.bin.456.partial', ...own].sort());
  });

  it('is not used in a folder others can write to, nor where no folder can be made', async () => {
    const { cache, folder, pod } = setUp();
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o777);
    const shared = await runCli(['scan', pod, '--format', 'json'], { env: { KUBEWARD_CACHE_DIR: cache } });
    expect(shared.code, shared.stderr).toBe(0);
    expect(readdirSync(folder)).toEqual([]);

    const blocked = join(setUp().pod, '..', 'a-file');
    writeFileSync(blocked, '');
    const unwritable = await runCli(['scan', pod, '--format', 'json'], { env: { KUBEWARD_CACHE_DIR: join(blocked, 'below-a-file') } });
    expect(unwritable.code, unwritable.stderr).toBe(0);
    expect(unwritable.stdout).toBe(shared.stdout);
  });
});
