import { constants } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppendFile, SYSTEM_IO, type FileIo } from './append-file.js';

/**
 * A log of JSON lines kept in two files, `<path>` and the generation before it, `<path>.1`: the
 * receiver's journal of accepted batches and its spool of alerts. Positions are logical byte offsets
 * that only grow, across rotations: each file starts with a header line naming the position of the
 * first line after it (`{"kubeward":"journal","base":N}`; the header itself takes no positions), so
 * a checkpoint or a sink's cursor stays meaningful when the file it pointed into is rotated. A
 * journal written before headers existed starts at 0.
 *
 * Rotation writes the next file beside the current one (`<path>.new`), then renames the current one
 * to `<path>.1` and the new one into place; a crash between the two renames is finished on open.
 */

export interface LogLine {
  text: string;
  /** Position of the line's first byte and just past its newline. */
  start: number;
  end: number;
}

interface Segment {
  path: string;
  /** Position of the first byte after the header. */
  base: number;
  /** Bytes of the header line (0 for a file written before headers). */
  header: number;
}

const READ_CHUNK = 1024 * 1024;
const NEWLINE = Buffer.from('\n');

export class DurableLog {
  private rotation: Promise<void> | undefined;
  /** Readers opening files now; a rotation renames only once there are none. */
  private opening = 0;
  private openersDone: (() => void) | undefined;
  private writesBefore = 0;

  private constructor(
    readonly path: string,
    private readonly kind: string,
    private current: AppendFile,
    private segment: Segment,
    private previous: Segment | undefined,
    private readonly io: FileIo,
  ) {}

  /**
   * Opens the log, creating it with its first position at `base` when it does not exist (so a log
   * recreated beside a surviving checkpoint keeps positions after it).
   */
  static async open(path: string, kind: string, options: { io?: FileIo; base?: number } = {}): Promise<DurableLog> {
    const io = options.io ?? SYSTEM_IO;
    await finishRotation(path);
    const file = await AppendFile.open(path, io);
    try {
      let segment = await readHeader(path, kind, file.size);
      if (!segment) {
        if (file.size > 0) segment = { path, base: 0, header: 0 }; // written before headers
        else {
          const base = options.base ?? 0;
          const header = headerLine(kind, base);
          await file.append(header);
          segment = { path, base, header: header.length };
        }
      }
      const before = await readHeader(`${path}.1`, kind, Number.POSITIVE_INFINITY).catch(() => undefined);
      const previous = before && before.base < segment.base ? before : undefined;
      return new DurableLog(path, kind, file, segment, previous, io);
    } catch (error) {
      await file.close();
      if (file.created) await rm(path, { force: true });
      throw error;
    }
  }

  /** The first position still on disk. */
  get start(): number {
    return this.previous?.base ?? this.segment.base;
  }

  /** The position just past the last acknowledged line. */
  get end(): number {
    return this.segment.base + this.current.size - this.segment.header;
  }

  /** The first position of the current file: what is below it is in `<path>.1`. */
  get currentBase(): number {
    return this.segment.base;
  }

  /** Bytes of lines in the current file. */
  get currentBytes(): number {
    return this.current.size - this.segment.header;
  }

  /** True when the file created by this open held nothing before (a failed start removes it). */
  get created(): boolean {
    return this.current.created;
  }

  get writable(): boolean {
    return this.current.writable;
  }

  /** Group writes made to the current file (one fsync each). */
  get writes(): number {
    return this.writesBefore + this.current.writes;
  }

  get error(): Error | undefined {
    return this.current.error;
  }

  probe(): Promise<boolean> {
    return this.current.probe();
  }

  /** Appends lines (each JSON, no newline inside) durably; resolves with the position just past them. */
  async append(lines: readonly (string | Buffer)[]): Promise<number> {
    // a failed rotation leaves the current file in use
    if (this.rotation) await this.rotation.catch(() => undefined);
    const { base, header } = this.segment;
    const end = await this.current.append(Buffer.concat(lines.flatMap((line) => [typeof line === 'string' ? Buffer.from(line) : line, NEWLINE])));
    return base + end - header;
  }

  /** Drops the lines of the current file from `position` (a line start at or past `currentBase`) on. */
  async truncate(position: number): Promise<void> {
    if (this.rotation) await this.rotation.catch(() => undefined);
    const { base, header } = this.segment;
    if (position < base) throw new RangeError(`cannot truncate ${this.path} at ${position}: it starts at ${base}`);
    await this.current.truncate(position - base + header);
  }

  /** Starts a new current file; the current one becomes `<path>.1`, replacing the one before. */
  rotate(): Promise<void> {
    this.rotation ??= this.rotateNow().finally(() => (this.rotation = undefined));
    return this.rotation;
  }

  private async rotateNow(): Promise<void> {
    await this.current.drain();
    const base = this.end;
    const next = `${this.path}.new`;
    const header = headerLine(this.kind, base);
    const handle = await open(next, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      await handle.write(header);
      await handle.sync();
    } finally {
      await handle.close();
    }
    while (this.opening > 0) await new Promise<void>((resolve) => (this.openersDone = resolve));
    await rename(this.path, `${this.path}.1`);
    await rename(next, this.path);
    await syncDirectory(dirname(this.path));
    const old = this.current;
    this.current = await AppendFile.open(this.path, this.io);
    this.writesBefore += old.writes;
    this.previous = { ...this.segment, path: `${this.path}.1` };
    this.segment = { path: this.path, base, header: header.length };
    await old.close();
  }

  /**
   * The lines from a position up to `to` (default: the end now). A position inside a line (a
   * checkpoint from before a rotation, a warm-up window) starts at the next whole line; positions
   * no longer on disk start at `start`.
   */
  async *lines(from: number, to?: number): AsyncGenerator<LogLine> {
    // Files are opened while no rotation renames them, so each is read with its own header and base.
    while (this.rotation) await this.rotation.catch(() => undefined);
    this.opening++;
    const segments = [...(this.previous ? [this.previous] : []), this.segment];
    const ends = [...segments.slice(1).map((segment) => segment.base), this.end];
    const last = to ?? this.end;
    let handles: (FileHandle | undefined)[];
    try {
      handles = await Promise.all(segments.map((segment) => open(segment.path, 'r').catch(() => undefined)));
    } finally {
      if (--this.opening === 0) this.openersDone?.();
    }
    try {
      let position = Math.max(from, this.start);
      for (let index = 0; index < segments.length && position < last; index++) {
        const segment = segments[index];
        const segmentEnd = Math.min(ends[index], last);
        const handle = handles[index];
        if (position >= segmentEnd || !handle) continue;
        yield* readLines(handle, segment, Math.max(position, segment.base), segmentEnd);
        position = segmentEnd;
      }
    } finally {
      for (const handle of handles) await handle?.close();
    }
  }

  /** The last line of the current file, if it has one beyond its header. */
  async lastLine(): Promise<LogLine | undefined> {
    const { header, base } = this.segment;
    const size = this.current.size;
    if (size <= header) return undefined;
    const handle = await open(this.path, 'r');
    try {
      let scanTo = size - 1; // before the final newline
      const chunk = Buffer.alloc(64 * 1024);
      let found = header;
      while (scanTo > header) {
        const from = Math.max(header, scanTo - chunk.length);
        const { bytesRead } = await handle.read(chunk, 0, scanTo - from, from);
        const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (newline >= 0) {
          found = from + newline + 1;
          break;
        }
        scanTo = from;
      }
      const text = Buffer.alloc(size - 1 - found);
      await handle.read(text, 0, text.length, found);
      return { text: text.toString('utf8'), start: base + found - header, end: this.end };
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {
    if (this.rotation) await this.rotation.catch(() => undefined);
    await this.current.close();
  }
}

function headerLine(kind: string, base: number): Buffer {
  return Buffer.from(`${JSON.stringify({ kubeward: kind, base })}\n`);
}

/** The header of a log file, if it has one (`limit`: how much of the file is acknowledged). */
async function readHeader(path: string, kind: string, limit: number): Promise<Segment | undefined> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
    if (newline < 0 || newline + 1 > limit) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(buffer.subarray(0, newline).toString('utf8'));
    } catch {
      return undefined;
    }
    const header = value as { kubeward?: unknown; base?: unknown };
    if (header?.kubeward !== kind || !Number.isSafeInteger(header.base) || (header.base as number) < 0) return undefined;
    return { path, base: header.base as number, header: newline + 1 };
  } finally {
    await handle.close();
  }
}

async function* readLines(handle: FileHandle, segment: Segment, from: number, to: number): AsyncGenerator<LogLine> {
  // file offset = position - base + header
  const shift = segment.header - segment.base;
  let offset = from + shift;
  const last = to + shift;
  // A position inside a line starts at the next whole one.
  if (offset > segment.header) {
    const before = Buffer.alloc(1);
    await handle.read(before, 0, 1, offset - 1);
    if (before[0] !== 0x0a) {
      const skipped = await skipPastNewline(handle, offset, last);
      if (skipped === undefined) return;
      offset = skipped;
    }
  }
  let carry: Buffer[] = [];
  let lineStart = offset;
  const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(READ_CHUNK, last - offset)));
  while (offset < last) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, last - offset), offset);
    if (bytesRead === 0) break;
    let index = 0;
    while (index < bytesRead) {
      const newline = chunk.subarray(0, bytesRead).indexOf(0x0a, index);
      if (newline < 0) {
        carry.push(Buffer.from(chunk.subarray(index, bytesRead)));
        break;
      }
      const piece = chunk.subarray(index, newline);
      const text = carry.length ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8');
      const end = offset + newline + 1;
      carry = [];
      yield { text, start: lineStart - shift, end: end - shift };
      lineStart = end;
      index = newline + 1;
    }
    offset += bytesRead;
  }
}

async function skipPastNewline(handle: FileHandle, from: number, last: number): Promise<number | undefined> {
  const chunk = Buffer.alloc(64 * 1024);
  let offset = from;
  while (offset < last) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, last - offset), offset);
    if (bytesRead === 0) return undefined;
    const newline = chunk.subarray(0, bytesRead).indexOf(0x0a);
    if (newline >= 0) return offset + newline + 1;
    offset += bytesRead;
  }
  return undefined;
}

/** Completes a rotation a crash interrupted: the new file is in place only once the old one moved. */
async function finishRotation(path: string): Promise<void> {
  const next = `${path}.new`;
  if (!(await exists(next))) return;
  if (await exists(path)) await rm(next, { force: true });
  else await rename(next, path);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch {
    // some filesystems do not fsync directories; the renames are still ordered
  } finally {
    await handle.close();
  }
}
