import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../core/errors.js';
import { oneLine, systemErrorText } from '../core/sanitize.js';

/**
 * Writes a report to a file atomically (a temporary file in the same folder, then a rename), or to
 * stdout. A failed run never leaves a partial report behind.
 */
export function writeOutput(text: string | Iterable<string>, file?: string): void {
  const parts = typeof text === 'string' ? [text] : text;
  if (!file || file === '-') {
    for (const chunk of utf8Chunks(parts)) process.stdout.write(chunk);
    return;
  }
  // A file is written synchronously: one chunk serves every write (no megabyte left for the collector per chunk).
  const chunks = utf8Chunks(parts, true);
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const descriptor = openSync(temporary, 'w', 0o644);
    try {
      for (const chunk of chunks) for (let written = 0; written < chunk.length; ) written += writeSync(descriptor, chunk, written);
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
    throw new InputError(`cannot write ${file}: ${systemErrorText(error)}`);
  }
}

/**
 * Parts encoded as UTF-8 into chunks of about a MiB as they come: few writes, no joined copy of the
 * text, and never the whole text in memory. Each chunk is a buffer of its own (stdout may still hold
 * the last one when the next is filled), unless `reuse` says that each is written before the next is
 * asked for: then one buffer serves them all.
 */
function* utf8Chunks(parts: Iterable<string>, reuse = false): Generator<Buffer> {
  const size = 1 << 20;
  let chunk = Buffer.allocUnsafe(size);
  let used = 0;
  for (const part of parts) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a part that might not fit starts a new chunk, one bigger than a chunk goes alone.
    if (used + part.length * 3 > size) {
      if (used > 0) yield chunk.subarray(0, used);
      if (!reuse) chunk = Buffer.allocUnsafe(size);
      used = 0;
      if (part.length * 3 > size) {
        yield Buffer.from(part, 'utf8');
        continue;
      }
    }
    used += chunk.write(part, used, 'utf8');
  }
  if (used > 0) yield chunk.subarray(0, used);
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
