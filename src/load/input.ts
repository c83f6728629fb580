import { closeSync, constants, createReadStream, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { InputError } from '../core/errors.js';
import { systemErrorText } from '../core/sanitize.js';

/**
 * Every input kubeward reads goes through here: files, `-` (stdin), FIFOs and process substitution
 * (`<(…)`, `/dev/fd/N`), character devices (`/dev/zero`). Each reader has a byte limit, and a wait
 * limit for inputs that may never deliver (a FIFO no one writes to, a stalled pipe):
 *
 * - readInput: an input read whole (manifests, stdin, configuration, rules, pods, flows) is at most
 *   `maxBytes` (`--max-file-size`, default 64 MiB);
 * - readLines (pulled) and forEachLine (pushed, built on it): a log streamed line by line (audit log,
 *   DNS log, flow log) has no total limit, but each line is at most `maxBytes`;
 * - both wait at most `timeoutMs` (`--read-timeout`, default 300 s) for the next byte; a streamed log
 *   only for its first byte (after that it is a stream, and a quiet one is no fault).
 *
 * A FIFO is opened non-blocking and read by the event loop, so a FIFO without a writer never ties up
 * a thread and a timeout can always end the wait.
 */

export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_READ_TIMEOUT_MS = 300_000;
/** The longest text V8 can hold, rounded down: the most `--max-file-size` may be. */
export const MAX_TEXT_BYTES = 500 * 1024 * 1024;

export interface ReadLimits {
  /** The most bytes read whole, or the longest line of a streamed log. */
  maxBytes?: number;
  /** How long a read may wait for input. */
  timeoutMs?: number;
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => (bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1);

function tooLarge(name: string, limit: number, size?: number): InputError {
  return new InputError(
    size === undefined
      ? `${name}: more than the ${mib(limit)} MiB limit; raise it with --max-file-size`
      : `${name}: ${(size / MiB).toFixed(1)} MiB is over the ${mib(limit)} MiB limit; raise it with --max-file-size`,
  );
}

function cannotRead(name: string, what: string, error: unknown): InputError {
  return new InputError(`${name}: cannot read ${what}: ${systemErrorText(error)}`);
}

function statOf(path: string, what: string): Stats {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
    return stat;
  } catch (error) {
    throw cannotRead(path, what, error);
  }
}

/** A stream over any input: stdin, a FIFO (non-blocking, in the event loop), or a file or device. */
function openStream(path: string, stat: Stats | undefined, what: string): Readable {
  if (path === '-') return process.stdin;
  if (stat?.isFIFO()) {
    try {
      return new Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
    } catch (error) {
      throw cannotRead(path, what, error);
    }
  }
  return createReadStream(path);
}

/**
 * Reads an input whole as UTF-8 text (a leading BOM kept: the parsers decide). `what` names it in
 * errors (`manifest`, `rules file`). A regular file is checked by size before it is read.
 */
export async function readInput(path: string, what: string, limits: ReadLimits = {}): Promise<string> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const stat = path === '-' ? undefined : statOf(path, what);
  if (stat?.isFile() && stat.size > 0) {
    if (stat.size > maxBytes) throw tooLarge(path, maxBytes, stat.size);
    let text: Buffer;
    try {
      text = await readFile(path);
    } catch (error) {
      throw cannotRead(path, what, error);
    }
    // A file that grew while it was read (a log being written) is held to the same limit.
    if (text.length > maxBytes) throw tooLarge(path, maxBytes, text.length);
    return text.toString('utf8');
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of readChunks(path, stat, what, limits, false)) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(path, maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Lines `first`, `first + 1`, … of a streamed log, each without its `\n` or `\r\n`. */
export interface LineBatch {
  first: number;
  texts: string[];
}

/**
 * The lines of an input, pulled: a batch for every chunk read (the lines it completed), so a reader
 * can read one log only as far as another has come, and a paused log holds no more than a chunk.
 * No total limit; a line longer than `maxBytes` is an error; the first byte comes within
 * `timeoutMs` (after that a log is a stream, and a quiet one is no fault). The one line reader:
 * forEachLine is built on it.
 */
export async function* readLines(path: string, what: string, limits: ReadLimits = {}): AsyncGenerator<LineBatch, void, undefined> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const splitter = new LineSplitter(maxBytes, (line) => {
    throw new InputError(`${path}:${line}: a line longer than ${mib(maxBytes)} MiB; raise it with --max-file-size`);
  });
  let batch: LineBatch = { first: 0, texts: [] };
  const onLine = (text: string, line: number) => {
    if (batch.texts.length === 0) batch.first = line;
    batch.texts.push(text);
  };
  const stat = path === '-' ? undefined : statOf(path, what);
  for await (const chunk of readChunks(path, stat, what, limits, true)) {
    try {
      splitter.push(chunk, onLine);
    } catch (error) {
      // the lines before the one too long are still delivered
      if (batch.texts.length) yield batch;
      throw error;
    }
    if (batch.texts.length) {
      yield batch;
      batch = { first: 0, texts: [] };
    }
  }
  splitter.end(onLine);
  if (batch.texts.length) yield batch;
}

/** Calls `onLine` for every line of an input (readLines, pushed), with its 1-based number. */
export async function forEachLine(path: string, what: string, onLine: (text: string, line: number) => void, limits: ReadLimits = {}): Promise<void> {
  for await (const { first, texts } of readLines(path, what, limits)) {
    for (let index = 0; index < texts.length; index++) onLine(texts[index], first + index);
  }
}

/**
 * The chunks of a stream, pulled, failing when no byte comes for `timeoutMs` (with `firstByteOnly`,
 * when the first byte does not; time the reader spends not asking is never counted). The stream is
 * let go however the reader stops.
 */
async function* readChunks(path: string, stat: Stats | undefined, what: string, limits: ReadLimits, firstByteOnly: boolean): AsyncGenerator<Buffer, void, undefined> {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const stream = openStream(path, stat, what);
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let waiting = true;
  let ended = false;
  try {
    for (;;) {
      let next: IteratorResult<Buffer | string>;
      try {
        next = waiting ? await withTimeout(chunks.next(), timeoutMs, path) : await chunks.next();
      } catch (error) {
        throw error instanceof InputError ? error : cannotRead(path, what, error);
      }
      if (next.done) {
        ended = true;
        return;
      }
      waiting = !firstByteOnly;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  } finally {
    // stopped early (an error, a reader that had enough): let go of the input; stdin read to its end stays as it is
    if (!ended || stream !== process.stdin) stream.destroy();
  }
}

function withTimeout<T>(pending: Promise<T>, timeoutMs: number, path: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InputError(`${path}: nothing to read for ${timeoutMs / 1000}s (a FIFO or pipe no one writes to?); raise it with --read-timeout`)), timeoutMs);
  });
  // a read still pending when the wait ends fails with the stream, unobserved
  pending.catch(() => undefined);
  return Promise.race([pending, expired]).finally(() => clearTimeout(timer));
}

/**
 * Splits bytes into lines, linear in the input however long a line is (pieces of an unfinished
 * line are kept apart and joined once, at its end). UTF-8 never uses the byte `\n` inside a
 * character, so splitting bytes is safe. A line past `maxBytes` is reported to `onTooLong` with its
 * number; when that returns, the rest of the line is skipped.
 */
export class LineSplitter {
  private pieces: Buffer[] = [];
  private pending = 0;
  private skipping = false;
  private line = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onTooLong: (line: number) => void,
  ) {}

  /** Lines completed by `chunk`, each to `onLine`. */
  push(chunk: Buffer, onLine: (text: string, line: number) => void): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      if (newline < 0) break;
      this.line++;
      if (this.skipping) {
        this.skipping = false;
      } else if (this.pending + newline - start > this.maxBytes) {
        this.onTooLong(this.line);
      } else {
        const part = chunk.subarray(start, newline);
        const bytes = this.pieces.length ? Buffer.concat([...this.pieces, part]) : part;
        onLine(decodeLine(bytes), this.line);
      }
      this.pieces = [];
      this.pending = 0;
      start = newline + 1;
    }
    if (start >= chunk.length || this.skipping) return;
    const rest = chunk.subarray(start);
    this.pending += rest.length;
    if (this.pending > this.maxBytes) {
      this.onTooLong(this.line + 1);
      this.pieces = [];
      this.pending = 0;
      this.skipping = true;
      return;
    }
    // A copy: the reader may reuse its buffer for the next chunk.
    this.pieces.push(Buffer.from(rest));
  }

  /** The last line, when the input does not end with a newline. */
  end(onLine: (text: string, line: number) => void): void {
    if (this.skipping) {
      this.skipping = false;
      this.line++;
    } else if (this.pieces.length) {
      onLine(decodeLine(Buffer.concat(this.pieces)), ++this.line);
    }
    this.pieces = [];
    this.pending = 0;
  }

  /** Starts counting lines again (a log truncated or rotated under a follower). */
  reset(): void {
    this.pieces = [];
    this.pending = 0;
    this.skipping = false;
    this.line = 0;
  }
}

function decodeLine(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}

/**
 * A regular file read whole and synchronously, for readers that cannot wait: refused past
 * `maxBytes`, and refused when it is not a regular file (a FIFO or a device may never end; read
 * those with readInput). Errors start with `prefix` (default: the path).
 */
export function readRegularFileSync(path: string, maxBytes: number, prefix = path): string {
  return readRegularBytesSync(path, maxBytes, prefix).toString('utf8');
}

/** readRegularFileSync's bytes, for files that are not text (a sub-chart's archive). */
export function readRegularBytesSync(path: string, maxBytes: number, prefix = path): Buffer {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(descriptor);
    if (!stat.isFile()) throw new InputError(`${prefix}: not a regular file (a FIFO or a device is not read here)`);
    if (stat.size > maxBytes) throw new InputError(`${prefix}: ${(stat.size / MiB).toFixed(1)} MiB is over the ${mib(maxBytes)} MiB limit`);
    return readFileSync(descriptor);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${prefix}: cannot read: ${systemErrorText(error)}`);
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
