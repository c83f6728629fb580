import { list, type ReadEntry } from 'tar';
import { InputError } from '../core/errors.js';
import { errorText, oneLine } from '../core/sanitize.js';

/** A chart archive larger than this when unpacked is refused (helm's own limit on a chart is 20 MiB per file). */
const MAX_UNPACKED_BYTES = 100 * 1024 * 1024;
const MAX_ENTRIES = 10_000;

/**
 * Refuses a chart archive before helm sees it when an entry escapes the chart (`../`, an absolute
 * path), is a link (symbolic or hard), or the archive unpacks to more than a chart should weigh.
 */
export async function checkChartArchive(file: string): Promise<void> {
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
  try {
    await list({ file, onReadEntry: inspect, strict: true });
  } catch (error) {
    throw new InputError(`${file}: not a readable chart archive: ${errorText(error)}`);
  }
  if (problem) throw new InputError(`${file}: refused chart archive: ${problem}`);
}
