import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * `tail -F` for a log file: reads what is there, then what is appended, and follows the name across
 * rotation (the file renamed or removed and a new one created, as lumberjack and logrotate do) or
 * truncation (copytruncate). Before switching to the new file it reads the old one to its end, so no
 * line written before the rotation is lost. Polls: no inotify, so it works on any filesystem.
 */
export class FileTail {
  private fd: number | undefined;
  private inode = -1;
  private position = 0;
  private decoder = new StringDecoder('utf8');
  private rest = '';
  private line = 0;
  private readonly buffer = Buffer.alloc(1 << 20);

  constructor(private readonly path: string) {}

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
      this.drain(out);
      this.flushPartial(out);
      this.close();
      this.open();
      if (this.fd !== undefined) this.drain(out);
    } else if (current.size < this.position) {
      // truncated in place: start over
      this.flushPartial(out);
      this.position = 0;
      this.line = 0;
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
      this.inode = fstatSync(this.fd).ino;
      this.position = 0;
      this.line = 0;
      this.decoder = new StringDecoder('utf8');
      this.rest = '';
    } catch {
      this.fd = undefined;
    }
  }

  private drain(out: { line: number; text: string }[]): void {
    if (this.fd === undefined) return;
    for (;;) {
      const read = readSync(this.fd, this.buffer, 0, this.buffer.length, this.position);
      if (read <= 0) return;
      this.position += read;
      const lines = (this.rest + this.decoder.write(this.buffer.subarray(0, read))).split('\n');
      this.rest = lines.pop() ?? '';
      for (const text of lines) out.push({ line: ++this.line, text });
    }
  }

  /** A last line without its newline, when its file is going away. */
  private flushPartial(out: { line: number; text: string }[]): void {
    const text = this.rest + this.decoder.end();
    this.rest = '';
    if (text !== '') out.push({ line: ++this.line, text });
  }
}
