import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../core/errors.js';
import { oneLine, systemErrorText } from '../core/sanitize.js';

/**
 * Writes a report to a file atomically (a temporary file in the same folder, then a rename), or to
 * stdout. A failed run never leaves a partial report behind. A path that is neither a regular file
 * nor a folder (`/dev/null`, `/dev/stdout`, a FIFO, `-o >(jq .)`) is written as it is, never replaced.
 */
export function writeOutput(text: string | Iterable<string>, file?: string): void {
  const parts = typeof text === 'string' ? [text] : text;
  const named = file === undefined || file === '-' ? 1 : descriptorNamed(file);
  // the standard streams, whatever they are (a socket cannot be opened again by its /proc path)
  if (file === undefined || named === 1 || named === 2) {
    const stream = named === 2 ? process.stderr : process.stdout;
    for (const chunk of utf8Chunks(parts)) stream.write(chunk);
    return;
  }
  // A file is written synchronously: one chunk serves every write (no megabyte left for the collector per chunk).
  const chunks = utf8Chunks(parts, true);
  // `-o /dev/fd/N` (`-o >(jq .)`): a descriptor kubeward was given is written as it is
  if (named !== undefined) {
    writeAll(file, named, chunks);
    return;
  }
  const kind = specialFileKind(file);
  if (kind) {
    writeInPlace(file, kind, chunks);
    return;
  }
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

/** The descriptor a path names: `/dev/stdout` 1, `/dev/stderr` 2, `/dev/fd/N` and `/proc/self/fd/N` N. */
function descriptorNamed(file: string): number | undefined {
  const named = /^\/(?:dev\/std(out|err)|dev\/fd\/(\d+)|proc\/self\/fd\/(\d+))$/.exec(file);
  if (!named) return undefined;
  return named[1] ? (named[1] === 'out' ? 1 : 2) : Number(named[2] ?? named[3]);
}

/** 'fifo' or 'device' when the path names one (following links: `/dev/stdout`, `/dev/fd/N`), else undefined. */
function specialFileKind(file: string): 'fifo' | 'device' | undefined {
  try {
    const stat = statSync(file);
    if (stat.isFIFO() || stat.isSocket()) return 'fifo';
    return stat.isCharacterDevice() || stat.isBlockDevice() ? 'device' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes into a device or FIFO. Renaming a file over it would replace `/dev/null` for every program
 * (as root) or fail; and there is no half file to leave. A FIFO that no process reads would block
 * the open for ever: it is opened without waiting first, which fails at once then (ENXIO), and kept
 * open while the waiting open is made, so that a reader never sees the end of the stream between the two.
 */
function writeInPlace(file: string, kind: 'fifo' | 'device', chunks: Iterable<Buffer>): void {
  let probe: number | undefined;
  let descriptor: number;
  try {
    if (kind === 'fifo') probe = openSync(file, constants.O_WRONLY | constants.O_NONBLOCK);
    descriptor = openSync(file, constants.O_WRONLY);
  } catch (error) {
    throw new InputError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code === 'ENXIO' ? 'no process reads it' : systemErrorText(error)}`);
  } finally {
    if (probe !== undefined) closeSync(probe);
  }
  try {
    writeAll(file, descriptor, chunks);
  } finally {
    closeSync(descriptor);
  }
}

function writeAll(file: string, descriptor: number, chunks: Iterable<Buffer>): void {
  try {
    for (const chunk of chunks) for (let written = 0; written < chunk.length; ) written += writeSync(descriptor, chunk, written);
  } catch (error) {
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
