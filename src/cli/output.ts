import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../core/errors.js';
import { oneLine } from '../core/sanitize.js';

/**
 * Writes a report to a file atomically (a temporary file in the same folder, then a rename), or to
 * stdout. A failed run never leaves a partial report behind.
 */
export function writeOutput(text: string | Iterable<string>, file?: string): void {
  const chunks = typeof text === 'string' ? [text] : batches(text);
  if (!file || file === '-') {
    for (const chunk of chunks) process.stdout.write(chunk);
    return;
  }
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const descriptor = openSync(temporary, 'w', 0o644);
    try {
      for (const chunk of chunks) writeSync(descriptor, chunk);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, file);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was created where nothing can be.
    }
    throw new InputError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Parts joined into chunks of about a MiB as they come: few writes, and never the whole text in memory. */
function* batches(parts: Iterable<string>): Generator<string> {
  let pending: string[] = [];
  let length = 0;
  for (const part of parts) {
    pending.push(part);
    length += part.length;
    if (length >= 1 << 20) {
      yield pending.join('');
      pending = [];
      length = 0;
    }
  }
  if (pending.length) yield pending.join('');
}

/** A warning on stderr: one line, controls escaped (warnings name objects and files of the inputs). */
export function warn(message: string): void {
  process.stderr.write(`kubeward: warning: ${oneLine(message)}\n`);
}

/** Every warning on stderr, unless the user asked for quiet. */
export function warnAll(warnings: readonly string[], quiet?: boolean): void {
  if (!quiet) for (const message of warnings) warn(message);
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

/** Keeps a server running until SIGINT or SIGTERM, then closes it. */
export function serveUntilStopped(server: { close(): Promise<void> }): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
