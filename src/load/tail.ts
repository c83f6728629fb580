import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { DEFAULT_MAX_FILE_BYTES, LineSplitter } from './input.js';

/**
 * `tail -F` for a log file: reads what is there, then what is appended, and follows the name across
 * rotation (the file renamed or removed and a new one created, as lumberjack and logrotate do) or
 * truncation (copytruncate). Before switching to the new file it reads the old one to its end, so no
 * line written before the rotation is lost. Polls: no inotify, so it works on any filesystem.
 *
 * Lines are split as they come in (input.ts LineSplitter): linear however long a line grows across
 * polls. A line longer than `maxLineBytes` is skipped and reported to `onTooLong`: a follower runs
 * for weeks, and one bad line must not end it.
 */
const MAX_BYTES_PER_POLL = 64 * 1024 * 1024;

export class FileTail {
  private fd: number | undefined;
  private inode = -1;
  private position = 0;
  private readonly splitter: LineSplitter;
  private readonly buffer = Buffer.alloc(1 << 20);

  constructor(
    private readonly path: string,
    options: { maxLineBytes?: number; onTooLong?: (line: number) => void } = {},
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_FILE_BYTES, options.onTooLong ?? (() => undefined));
  }

  /** Lines completed since the last call, with their 1-based line numbers in the current file. */
  poll(): { line: number; text: string }[] {
    const out: { line: number; text: string }[] = [];
    if (this.fd === undefined) this.open();
    if (this.fd === undefined) return out;
    this.drain(out);
    let current: ReturnType<typeof statSync> | undefined;
    try {
      current = statSync(this.path);
    } catch {
      return out; // rotated away and not yet recreated: keep the old descriptor
    }
    if (current.ino !== this.inode) {
      // The old file to its very end before switching: nothing written before the rotation is lost.
      this.drain(out, Infinity);
      this.flushPartial(out);
      this.close();
      this.open();
      if (this.fd !== undefined) this.drain(out);
    } else if (current.size < this.position) {
      // truncated in place: start over
      this.flushPartial(out);
      this.position = 0;
      this.drain(out);
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    try {
      this.fd = openSync(this.path, 'r');
      const stat = fstatSync(this.fd);
      // A FIFO or a device has no end to follow and no rotation: only regular files are tailed.
      if (!stat.isFile()) {
        this.close();
        return;
      }
      this.inode = stat.ino;
      this.position = 0;
      this.splitter.reset();
    } catch {
      this.fd = undefined;
    }
  }

  /** Reads what was appended: by default at most MAX_BYTES_PER_POLL, so a burst never holds the event loop (signals, timers). */
  private drain(out: { line: number; text: string }[], budget = MAX_BYTES_PER_POLL): void {
    if (this.fd === undefined) return;
    for (let left = budget; left > 0; left -= this.buffer.length) {
      const read = readSync(this.fd, this.buffer, 0, this.buffer.length, this.position);
      if (read <= 0) return;
      this.position += read;
      this.splitter.push(this.buffer.subarray(0, read), (text, line) => out.push({ line, text }));
    }
  }

  /** A last line without its newline, when its file is going away; numbering starts again. */
  private flushPartial(out: { line: number; text: string }[]): void {
    this.splitter.end((text, line) => out.push({ line, text }));
    this.splitter.reset();
  }
}
