import { constants } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';

/**
 * A file of newline-ended records that is only ever appended to, durably: the receiver's journal, its
 * alert spool and file sinks. The rules it keeps, so that nothing acknowledged is ever lost:
 *  - `append` resolves only once the bytes are written and fsynced;
 *  - a failed append (a full disk, an I/O error) leaves the file exactly as it was: it is truncated
 *    back to the last good length, which is also what `size` says (writes are positional, at that
 *    length, so even a fragment a truncate could not remove is overwritten by the next record);
 *  - a record torn by a crash mid-write (no newline at the end of the file) was never acknowledged:
 *    opening the file removes it;
 *  - appends that arrive while a write is in flight are written and fsynced together (group commit);
 *  - files are created 0600 (they hold audit data), and an existing one is narrowed to 0600.
 */

/** The system calls an AppendFile makes (with the file's path), so that tests can make them fail like a full disk does. */
export interface FileIo {
  write(handle: FileHandle, data: Buffer, position: number, path: string): Promise<number>;
  sync(handle: FileHandle, path: string): Promise<void>;
  truncate(handle: FileHandle, length: number, path: string): Promise<void>;
}

export const SYSTEM_IO: FileIo = {
  write: async (handle, data, position) => (await handle.write(data, 0, data.length, position)).bytesWritten,
  sync: (handle) => handle.sync(),
  truncate: (handle, length) => handle.truncate(length),
};

export class NotARegularFile extends Error {}

interface Pending {
  data: Buffer;
  resolve: (end: number) => void;
  reject: (error: Error) => void;
}

export class AppendFile {
  private pending: Pending[] = [];
  /** The chain of writes, probes and closes: one at a time, in order. */
  private operations: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  /** A failed append whose truncate failed too: the next one truncates before it writes. */
  private dirty = false;
  private lastError: Error | undefined;
  /** Writes made (each fsynced once, however many appends it carried). */
  writes = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private length: number,
    private readonly io: FileIo,
    /** True when this open created the file. */
    readonly created: boolean,
  ) {}

  /** Opens (creating it 0600 if needed) and repairs a torn tail. Only regular files: a journal needs truncate and fsync. */
  static async open(path: string, io: FileIo = SYSTEM_IO): Promise<AppendFile> {
    let handle: FileHandle;
    let created = false;
    try {
      handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
      created = true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EISDIR') throw new NotARegularFile(`${path} is not a regular file`);
      if (code !== 'EEXIST') throw error;
      handle = await open(path, constants.O_RDWR).catch((again: NodeJS.ErrnoException) => {
        throw again.code === 'EISDIR' ? new NotARegularFile(`${path} is not a regular file`) : again;
      });
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new NotARegularFile(`${path} is not a regular file`);
      if ((stat.mode & 0o077) !== 0) await handle.chmod(0o600).catch(() => undefined);
      const good = await lastNewlineEnd(handle, stat.size);
      if (good < stat.size) await handle.truncate(good);
      return new AppendFile(path, handle, good, io, created);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The length of the acknowledged records: the file's length whenever no write is in flight. */
  get size(): number {
    return this.length;
  }

  /** False after a failed write, until a write or a probe succeeds. */
  get writable(): boolean {
    return this.lastError === undefined;
  }

  get error(): Error | undefined {
    return this.lastError;
  }

  /** Appends the bytes (whole records) durably; resolves with the file length just past them. */
  append(data: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ data, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.enqueue(() => this.flush());
      }
    });
  }

  /**
   * Tells whether the disk takes a write now: writes and fsyncs a block to `<path>.probe` beside the
   * file, then removes it (the file itself is only ever touched by appends). Readiness asks this while
   * appends fail.
   */
  probe(bytes = 64 * 1024): Promise<boolean> {
    return this.enqueue(async () => {
      const path = `${this.path}.probe`;
      let handle: FileHandle | undefined;
      try {
        await this.restoreLength();
        handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
        await this.writeAll(Buffer.alloc(bytes, 0x20), 0, handle, path);
        await this.io.sync(handle, path);
        this.lastError = undefined;
        return true;
      } catch (error) {
        this.lastError = error as Error;
        return false;
      } finally {
        await handle?.close().catch(() => undefined);
        await rm(path, { force: true }).catch(() => undefined);
      }
    });
  }

  /**
   * Cuts the file back to `length` (at most its acknowledged size), durably: for a reader that found
   * the tail of what a crash left behind to be incomplete at a level above lines.
   */
  truncate(length: number): Promise<void> {
    return this.enqueue(async () => {
      if (!Number.isSafeInteger(length) || length < 0 || length > this.length) throw new RangeError(`cannot truncate ${this.path} to ${length}: it holds ${this.length} bytes`);
      await this.io.truncate(this.handle, length, this.path);
      await this.io.sync(this.handle, this.path);
      this.length = length;
    });
  }

  /** Resolves once every append made so far has settled. */
  drain(): Promise<void> {
    return this.enqueue(async () => undefined);
  }

  close(): Promise<void> {
    return this.enqueue(() => this.handle.close());
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.operations.then(operation);
    this.operations = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    const data = group.length === 1 ? group[0].data : Buffer.concat(group.map((item) => item.data));
    try {
      this.writes++;
      await this.restoreLength();
      await this.writeAll(data, this.length);
      await this.io.sync(this.handle, this.path);
    } catch (error) {
      this.lastError = error as Error;
      // Leave the file as it was: the next record must not be glued to this one's fragment.
      await this.io.truncate(this.handle, this.length, this.path).then(
        () => (this.dirty = false),
        () => (this.dirty = true),
      );
      for (const item of group) item.reject(error as Error);
      return;
    }
    this.lastError = undefined;
    let end = this.length;
    this.length += data.length;
    for (const item of group) {
      end += item.data.length;
      item.resolve(end);
    }
  }

  private async restoreLength(): Promise<void> {
    if (!this.dirty) return;
    await this.io.truncate(this.handle, this.length, this.path);
    this.dirty = false;
  }

  private async writeAll(data: Buffer, position: number, handle = this.handle, path = this.path): Promise<void> {
    let written = 0;
    while (written < data.length) {
      const count = await this.io.write(handle, data.subarray(written), position + written, path);
      if (count <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
      written += count;
    }
  }
}

/** The length of the file up to and including its last newline (0 when it has none). */
async function lastNewlineEnd(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) return start + newline + 1;
    end = start;
  }
  return 0;
}
