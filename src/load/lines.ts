import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../core/errors.js';

/**
 * Reads a text file, or stdin for `-`, line by line without holding it whole (audit logs run to
 * gigabytes). A `\r` before the newline is dropped; a last line without a newline is still a line.
 * A file that cannot be read is an InputError naming it and `what` it was read as.
 */
export async function forEachLine(file: string, what: string, onLine: (line: string) => void): Promise<void> {
  const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
  const chunks = input[Symbol.asyncIterator]();
  const decoder = new StringDecoder('utf8');
  const emit = (text: string) => onLine(text.endsWith('\r') ? text.slice(0, -1) : text);
  let rest = '';
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch (error) {
      throw new InputError(`${file}: cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (next.done) break;
    const lines = (rest + decoder.write(next.value)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) emit(line);
  }
  rest += decoder.end();
  if (rest !== '') emit(rest);
}
