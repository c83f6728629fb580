import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkChartArchive } from '../../src/load/archive.js';
import { chartYaml } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';
import { gzippedTar } from '../helpers/tar.js';

/**
 * What follows a tar's end-of-archive marker is never read, as helm's reader never reads it:
 * megabytes of zeros (node-tar buffered them quadratically) or a gzip bomb (4 GiB of zeros in 4 MB,
 * as gzip members of 1 MiB each).
 */
const chart = gzippedTar([
  { name: 'mini/Chart.yaml', content: chartYaml('mini') },
  { name: 'mini/templates/cm.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' },
]);

function archive(...members: Buffer[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kw-tgz-')), 'chart.tgz');
  writeFileSync(file, Buffer.concat(members));
  return file;
}

describe('a chart archive is read up to its end-of-archive marker, and no further', () => {
  it('accepts 16 MiB of zeros after the end', async () => {
    await expect(checkChartArchive(archive(chart, gzipSync(Buffer.alloc(16 * 1024 * 1024))))).resolves.toBeUndefined();
  });

  it('never inflates a gzip bomb after the end (4 GiB of zeros in a few MB)', async () => {
    const mebibyteOfZeros = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 4096 }, () => mebibyteOfZeros));
    const before = process.memoryUsage().rss;
    await expect(checkChartArchive(archive(chart, bomb))).resolves.toBeUndefined();
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 1024 * 1024);
  });

  it('renders such a chart with helm, which stops at the same marker', async () => {
    const result = await runCli(['scan', archive(chart, gzipSync(Buffer.alloc(4 * 1024 * 1024))), '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses what is not a regular file (a FIFO named .tgz would be read twice)', async () => {
    await expect(checkChartArchive('/dev/zero')).rejects.toThrowError(/^\/dev\/zero: a chart archive must be a regular file/);
  });
});
