import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { ReadEntry } from 'tar';
import { InputError } from '../core/errors.js';
import { errorText, oneLine, systemErrorText } from '../core/sanitize.js';
import { MAX_UNPACKED_BYTES } from './helm.js';

const MAX_ENTRIES = 10_000;
/** Headers and padding around the entries: what the stream may hold beyond their sizes. */
const MAX_TAR_OVERHEAD = 16 * 1024 * 1024;

/**
 * Refuses a chart archive before helm sees it when an entry escapes the chart (`../`, an absolute
 * path), is a link (symbolic or hard), or the archive unpacks to more than a chart should weigh.
 *
 * kubeward inflates the archive itself and stops at the tar end-of-archive marker, as helm's reader
 * does: whatever follows it (megabytes of zeros, a gzip bomb) is never inflated, and node-tar, which
 * keeps buffering what comes after the marker, never sees it. The inflated stream as a whole is held
 * to the same limit as the entries.
 */
export async function checkChartArchive(file: string): Promise<void> {
  try {
    if (!statSync(file).isFile()) throw new InputError(`${file}: a chart archive must be a regular file (helm reads it again)`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${file}: cannot read chart archive: ${systemErrorText(error)}`);
  }
  let problem: string | undefined;
  let total = 0;
  let entries = 0;
  const inspect = (entry: ReadEntry) => {
    entry.resume();
    if (problem) return;
    const path = entry.path;
    const shown = oneLine(path, 200);
    entries++;
    total += entry.size ?? 0;
    if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.split(/[\\/]/).includes('..')) {
      problem = `entry "${shown}" points outside the chart`;
    } else if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
      problem = `entry "${shown}" is a ${entry.type === 'Link' ? 'hard' : 'symbolic'} link`;
    } else if (total > MAX_UNPACKED_BYTES) {
      problem = `it unpacks to more than ${MAX_UNPACKED_BYTES / 1048576} MiB`;
    } else if (entries > MAX_ENTRIES) {
      problem = `it holds more than ${MAX_ENTRIES} entries`;
    }
  };
  const { Parser } = await import('tar');
  await new Promise<void>((resolve, reject) => {
    const source = createReadStream(file);
    const gunzip = createGunzip();
    const parser = new Parser({ strict: true, onReadEntry: inspect });
    let inflated = 0;
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      source.destroy();
      gunzip.destroy();
      if (error) reject(new InputError(`${file}: not a readable chart archive: ${errorText(error)}`));
      else resolve();
    };
    let ended = false;
    parser.on('eof', () => (ended = true));
    parser.on('error', finish);
    parser.on('end', () => finish());
    gunzip.on('data', (chunk: Buffer) => {
      if (done) return;
      inflated += chunk.length;
      if (inflated > MAX_UNPACKED_BYTES + MAX_TAR_OVERHEAD) {
        problem ??= `it unpacks to more than ${MAX_UNPACKED_BYTES / 1048576} MiB`;
        finish();
        return;
      }
      parser.write(chunk);
      if (ended || problem) finish();
    });
    gunzip.on('end', () => parser.end());
    gunzip.on('error', finish);
    source.on('error', finish);
    source.pipe(gunzip);
  });
  if (problem) throw new InputError(`${file}: refused chart archive: ${problem}`);
}
