import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { auditEventsOfValue, emptyAuditStats } from '../../src/detect/audit.js';
import { DetectPipeline } from '../../src/detect/pipeline.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { AppendFile, SYSTEM_IO } from '../../src/serve/append-file.js';
import { DurableLog } from '../../src/serve/durable-log.js';
import { Metrics } from '../../src/serve/metrics.js';
import { Processor } from '../../src/serve/processor.js';
import { FillingDisk, loadBatchOf, LOAD_RULE, tempDir, until } from './helpers.js';

/** The storage under the receiver: what a full disk, a failing fsync or a crash leaves behind. */

const record = (name: string, size = 100) => Buffer.from(`${JSON.stringify({ name, pad: 'x'.repeat(size) })}\n`);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of items) out.push(value);
  return out;
}

describe('AppendFile', () => {
  it('leaves the file exactly as it was when a write is cut short by a full disk, and carries on once there is room', async () => {
    const path = join(tempDir(), 'journal');
    const disk = new FillingDisk();
    const file = await AppendFile.open(path, disk.io);
    const a = record('a');
    expect(await file.append(a)).toBe(a.length);
    disk.free = 40; // the next record does not fit: 40 bytes land, then ENOSPC
    await expect(file.append(record('b'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(file.writable).toBe(false);
    expect(file.size).toBe(a.length);
    expect(statSync(path).size).toBe(a.length);
    disk.free = undefined;
    const c = record('c');
    expect(await file.append(c)).toBe(a.length + c.length);
    expect(file.writable).toBe(true);
    expect(readFileSync(path)).toEqual(Buffer.concat([a, c]));
    await file.close();
    // and a crash now loses nothing: reopening reads both records, whole
    const reopened = await AppendFile.open(path);
    expect(reopened.size).toBe(a.length + c.length);
    await reopened.close();
  });

  it('truncates before the next write when the truncate after a failure failed too, and writes at the good length', async () => {
    const path = join(tempDir(), 'journal');
    let failTruncates = 0;
    let failSync = false;
    const io = {
      ...SYSTEM_IO,
      sync: async (handle: Parameters<typeof SYSTEM_IO.sync>[0], p: string) => {
        if (failSync) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
        return SYSTEM_IO.sync(handle, p);
      },
      truncate: async (handle: Parameters<typeof SYSTEM_IO.truncate>[0], length: number, p: string) => {
        if (failTruncates-- > 0) throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
        return SYSTEM_IO.truncate(handle, length, p);
      },
    };
    const file = await AppendFile.open(path, io);
    const a = record('a');
    await file.append(a);
    failSync = true;
    failTruncates = 1;
    await expect(file.append(record('b', 5000))).rejects.toMatchObject({ code: 'EIO' });
    expect(statSync(path).size).toBeGreaterThan(a.length); // the fragment is still there
    expect(file.size).toBe(a.length);
    failSync = false;
    const c = record('c');
    expect(await file.append(c)).toBe(a.length + c.length);
    expect(readFileSync(path)).toEqual(Buffer.concat([a, c]));
    await file.close();
  });

  it('writes and fsyncs concurrent appends together, each resolving with its own end, in order', async () => {
    const path = join(tempDir(), 'journal');
    const file = await AppendFile.open(path);
    const records = Array.from({ length: 50 }, (_, i) => record(`r${i}`, i));
    const ends = await Promise.all(records.map((r) => file.append(r)));
    let expected = 0;
    expect(ends).toEqual(records.map((r) => (expected += r.length)));
    expect(file.writes).toBeLessThanOrEqual(2); // the first alone, the other 49 together
    expect(readFileSync(path)).toEqual(Buffer.concat(records));
    await file.close();
  });

  it('drops a torn last record on open, creates files 0600 and narrows an existing one to 0600', async () => {
    const dir = tempDir();
    const path = join(dir, 'journal');
    writeFileSync(path, Buffer.concat([record('whole'), record('torn').subarray(0, 30)]));
    chmodSync(path, 0o644);
    const file = await AppendFile.open(path);
    expect(file.size).toBe(record('whole').length);
    expect(statSync(path).size).toBe(record('whole').length);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(file.created).toBe(false);
    await file.close();
    const fresh = await AppendFile.open(join(dir, 'fresh'));
    expect(fresh.created).toBe(true);
    expect(statSync(join(dir, 'fresh')).mode & 0o777).toBe(0o600);
    await fresh.close();
    await expect(AppendFile.open(dir)).rejects.toThrow(/not a regular file/);
  });
});

describe('DurableLog', () => {
  it('keeps positions growing across rotations and reads lines from any position', async () => {
    const path = join(tempDir(), 'journal');
    const log = await DurableLog.open(path, 'journal');
    expect([log.start, log.end]).toEqual([0, 0]);
    const first = await log.append(['{"n":1}', '{"n":2}']);
    expect(first).toBe(16);
    await log.rotate();
    expect(log.currentBase).toBe(16);
    expect(log.end).toBe(16);
    const second = await log.append(['{"n":3}']);
    expect(second).toBe(24);
    expect((await collect(log.lines(0))).map((line) => [line.text, line.start, line.end])).toEqual([
      ['{"n":1}', 0, 8],
      ['{"n":2}', 8, 16],
      ['{"n":3}', 16, 24],
    ]);
    // from inside a line: the next whole one
    expect((await collect(log.lines(3))).map((line) => line.text)).toEqual(['{"n":2}', '{"n":3}']);
    expect((await log.lastLine())?.text).toBe('{"n":3}');
    await log.rotate(); // the oldest file goes
    expect(log.start).toBe(16);
    expect((await collect(log.lines(0))).map((line) => line.text)).toEqual(['{"n":3}']);
    await log.close();
    const reopened = await DurableLog.open(path, 'journal');
    expect([reopened.start, reopened.end]).toEqual([16, 24]);
    await reopened.close();
  });

  it('finishes a rotation a crash interrupted between its two renames, and discards one that had not begun', async () => {
    const dir = tempDir();
    const path = join(dir, 'journal');
    const log = await DurableLog.open(path, 'journal');
    await log.append(['{"n":1}']);
    await log.close();
    // the crash came after the current file moved to .1 and before the new one moved into place
    renameSync(path, `${path}.1`);
    writeFileSync(`${path}.new`, '{"kubeward":"journal","base":8}\n');
    const recovered = await DurableLog.open(path, 'journal');
    expect([recovered.start, recovered.end]).toEqual([0, 8]);
    expect(existsSync(`${path}.new`)).toBe(false);
    await recovered.append(['{"n":2}']);
    expect((await collect(recovered.lines(0))).map((line) => line.text)).toEqual(['{"n":1}', '{"n":2}']);
    await recovered.close();
    // a .new beside an intact current file is a rotation that never happened
    writeFileSync(`${path}.new`, '{"kubeward":"journal","base":99}\n');
    const again = await DurableLog.open(path, 'journal');
    expect(again.end).toBe(16);
    expect(existsSync(`${path}.new`)).toBe(false);
    await again.close();
  });

  it('reads a journal written before headers as starting at 0, and starts a new one at a given position', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'old'), '{"n":1}\n');
    const old = await DurableLog.open(join(dir, 'old'), 'journal');
    expect([old.start, old.end]).toEqual([0, 8]);
    await old.close();
    const fresh = await DurableLog.open(join(dir, 'fresh'), 'journal', { base: 1000 });
    expect([fresh.start, fresh.end]).toEqual([1000, 1000]);
    expect(await fresh.append(['{}'])).toBe(1003);
    await fresh.close();
  });
});

describe('Processor', () => {
  it('processes a batch accepted while it replays, however slow the rounds are (no wake-up lost)', async () => {
    const dir = tempDir();
    const journal = await DurableLog.open(join(dir, 'journal.jsonl'), 'journal');
    const replayed = [await journal.append([loadBatchOf('old-1', 2)]), await journal.append([loadBatchOf('old-2', 2)])];
    const spool = await DurableLog.open(join(dir, 'journal.jsonl.alerts'), 'alerts');
    const metrics = new Metrics();
    for (const name of ['kubeward_alerts_total', 'kubeward_audit_duplicate_events_total', 'kubeward_journal_unreadable_lines_total', 'kubeward_spool_errors_total']) metrics.define(name, 'counter', name);
    const pipeline = new DetectPipeline({ rules: loadKubewardRules([{ name: 'load.yaml', text: LOAD_RULE }]), retainAlerts: false });
    // every look at the clock finds a round's time budget spent
    let clock = Date.now();
    const now = vi.spyOn(Date, 'now').mockImplementation(() => (clock += 25));
    try {
      const processor = await Processor.open({ journal, spool, checkpointPath: join(dir, 'journal.jsonl.offset'), pipeline, metrics, log: () => undefined, journalMaxBytes: 1e9, spoolMaxBytes: 1e9, runners: () => [] }, undefined);
      expect(processor.processedTo).toBe(0);
      const line = loadBatchOf('new', 2);
      const end = await journal.append([line]);
      processor.enqueue(auditEventsOfValue(JSON.parse(line), emptyAuditStats()), end, end - replayed[1]);
      processor.start();
      await until(() => processor.processedTo === end, 30_000, 'the new batch processed');
      await processor.stop(clock + 1000);
    } finally {
      now.mockRestore();
    }
    const evidence = (await collect(spool.lines(0))).map((line) => JSON.parse(line.text).alert.evidence[0]);
    expect(evidence).toEqual(['old-1-0', 'old-1-1', 'old-2-0', 'old-2-1', 'new-0', 'new-1']);
    await journal.close();
    await spool.close();
  });

  it('after a kill -9 cut the write of a round short anywhere, delivers every alert of every batch exactly once', async () => {
    // A round's alerts are one write; a kill can end the file after any of its bytes. Whole lines of a
    // batch whose other alerts were never written must not make that batch look processed.
    const metrics = () => {
      const m = new Metrics();
      for (const name of ['kubeward_alerts_total', 'kubeward_audit_duplicate_events_total', 'kubeward_journal_unreadable_lines_total', 'kubeward_spool_errors_total']) m.define(name, 'counter', name);
      return m;
    };
    const pipeline = () => new DetectPipeline({ rules: loadKubewardRules([{ name: 'load.yaml', text: LOAD_RULE }]), retainAlerts: false });
    const run = async (dir: string, logged: string[] = []) => {
      const journal = await DurableLog.open(join(dir, 'journal.jsonl'), 'journal');
      const spool = await DurableLog.open(join(dir, 'journal.jsonl.alerts'), 'alerts');
      const processor = await Processor.open({ journal, spool, checkpointPath: join(dir, 'journal.jsonl.offset'), pipeline: pipeline(), metrics: metrics(), log: (line) => logged.push(line), journalMaxBytes: 1e9, spoolMaxBytes: 1e9, runners: () => [] }, undefined);
      processor.start();
      await until(() => processor.processedTo === journal.end, 30_000, 'the journal processed');
      await processor.stop(Date.now() + 1000);
      const evidence = (await collect(spool.lines(0))).map((line) => JSON.parse(line.text).alert.evidence[0] as string);
      await journal.close();
      await spool.close();
      return evidence;
    };
    const expected = ['a-0', 'a-1', 'a-2', 'b-0', 'b-1', 'b-2', 'b-3', 'c-0'];
    const first = tempDir();
    const journal = await DurableLog.open(join(first, 'journal.jsonl'), 'journal');
    for (const [prefix, count] of [['a', 3], ['b', 4], ['c', 1]] as const) await journal.append([loadBatchOf(prefix, count)]);
    await journal.close();
    expect(await run(first)).toEqual(expected); // one round: the three batches' alerts in one write
    const journalBytes = readFileSync(join(first, 'journal.jsonl'));
    const spoolBytes = readFileSync(join(first, 'journal.jsonl.alerts'));
    const header = spoolBytes.indexOf(0x0a) + 1;
    // every length the write could have reached: each line boundary, and a byte inside each line
    const cuts = new Set<number>();
    for (let at = header; at <= spoolBytes.length; at = spoolBytes.indexOf(0x0a, at) + 1 || spoolBytes.length + 1) {
      cuts.add(at);
      if (at < spoolBytes.length) cuts.add(at + 7);
    }
    for (const cut of cuts) {
      const dir = tempDir();
      writeFileSync(join(dir, 'journal.jsonl'), journalBytes);
      writeFileSync(join(dir, 'journal.jsonl.alerts'), spoolBytes.subarray(0, cut)); // no checkpoint: the kill came before it
      const logged: string[] = [];
      expect(await run(dir, logged), `spool cut at byte ${cut}`).toEqual(expected);
      const torn = spoolBytes.subarray(header, cut).toString().split('\n').slice(0, -1).map((line) => JSON.parse(line).left).at(-1);
      expect(logged.some((line) => line.includes('a crash cut short')), `spool cut at byte ${cut}`).toBe(torn > 0);
    }
  });
});
