import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';

/**
 * An append-only journal of accepted webhook batches, one JSON line each. A batch is acknowledged
 * (HTTP 200) only after `append` returns, i.e. after write + fsync: if kubeward dies after that,
 * the batch is still on disk and is processed on restart (from the checkpoint), so the API server's
 * retry-until-200 contract holds end to end. The checkpoint (`<journal>.offset`) records how far
 * processing got; it is replaced atomically. Once every line is processed and the journal has grown
 * past its limit, it is rotated to `<journal>.1` (one generation kept), so a long-running receiver
 * does not fill its disk.
 */
export class Journal {
  private fd: number;
  private size: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
    this.endTornLine();
  }

  /**
   * A crash in the middle of a write leaves a line without its newline; it was never acknowledged.
   * Ending it here keeps the next batch on a line of its own (the torn one is skipped on replay).
   */
  private endTornLine(): void {
    if (this.size === 0 || !statSync(this.path, { throwIfNoEntry: false })?.isFile()) return;
    const last = Buffer.alloc(1);
    const reader = openSync(this.path, 'r');
    try {
      readSync(reader, last, 0, 1, this.size - 1);
    } finally {
      closeSync(reader);
    }
    if (last[0] !== 0x0a) this.append('');
  }

  /**
   * Starts a new journal when everything in this one is processed (`processedTo` is its end) and it
   * is larger than `maxBytes`. Returns whether it rotated.
   */
  rotateIfDone(processedTo: number, maxBytes: number): boolean {
    if (processedTo !== this.size || this.size <= maxBytes || !statSync(this.path, { throwIfNoEntry: false })?.isFile()) return false;
    closeSync(this.fd);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
    this.saveCheckpoint(0);
    return true;
  }

  /** Appends one line durably; returns the offset just past it. Throws when the disk says no. */
  append(line: string): number {
    const bytes = Buffer.from(line.endsWith('\n') ? line : `${line}\n`);
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    fsyncSync(this.fd);
    this.size += bytes.length;
    return this.size;
  }

  get bytes(): number {
    return this.size;
  }

  /** The offset processing had reached. */
  checkpoint(): number {
    try {
      return Number(readFileSync(`${this.path}.offset`, 'utf8').trim()) || 0;
    } catch {
      return 0;
    }
  }

  saveCheckpoint(offset: number): void {
    const temporary = `${this.path}.offset.tmp`;
    writeFileSync(temporary, `${offset}\n`);
    renameSync(temporary, `${this.path}.offset`);
  }

  /** The lines appended after an offset (the batches accepted but not processed before a restart). */
  unprocessed(from: number): { line: string; end: number }[] {
    // only a regular file has a past to replay (a device such as /dev/stdout does not)
    if (!statSync(this.path, { throwIfNoEntry: false })?.isFile()) return [];
    const data = readFileSync(this.path);
    const out: { line: string; end: number }[] = [];
    let start = Math.min(from, data.length);
    while (start < data.length) {
      const newline = data.indexOf(0x0a, start);
      if (newline < 0) break; // a torn last write was never acknowledged
      out.push({ line: data.subarray(start, newline).toString('utf8'), end: newline + 1 });
      start = newline + 1;
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}
