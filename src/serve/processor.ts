import { readFile, rename, writeFile } from 'node:fs/promises';
import { auditEventsOfValue, emptyAuditStats, type AuditEvent } from '../detect/audit.js';
import type { DetectPipeline } from '../detect/pipeline.js';
import { parseJournalLine } from './batch.js';
import { parseSpoolLine, spoolLine, type SinkRunner } from './delivery.js';
import type { DurableLog, LogLine } from './durable-log.js';
import type { Metrics } from './metrics.js';

/**
 * The rule work behind the receiver's answers: accepted batches, in journal order, through the
 * detection pipeline; their alerts appended (fsynced) to the spool; then the checkpoint
 * (`<journal>.offset`) moves past them. The detector's memory is rebuilt on start by running it,
 * alerts discarded, over the journal just before where processing resumes: retried batches are still
 * recognised as duplicates and windows still count what came before the restart.
 *
 * Processing resumes at the later of the checkpoint and the journal position of the last alert in
 * the spool, so a crash between the two never puts an alert in the spool twice.
 */

export interface ProcessorOptions {
  journal: DurableLog;
  spool: DurableLog;
  checkpointPath: string;
  pipeline: DetectPipeline;
  metrics: Metrics;
  log: (message: string) => void;
  journalMaxBytes: number;
  spoolMaxBytes: number;
  runners: () => readonly SinkRunner[];
}

/** How much of the journal before the resume point the detector re-reads on start. */
export const WARM_UP_BYTES = 16 * 1024 * 1024;
/** Journal bytes processed in one round: alerts of a round are fsynced to the spool together. */
const ROUND_BYTES = 1024 * 1024;
const ROUND_MS = 20;
const CHECKPOINT_EVERY_MS = 200;

interface QueuedBatch {
  events: AuditEvent[];
  end: number;
  bytes: number;
}

/** The checkpoint saved by an earlier run, if any. */
export async function readCheckpoint(path: string): Promise<number | undefined> {
  try {
    const value = Number((await readFile(path, 'utf8')).trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

export class Processor {
  /** The journal position up to which every batch is processed and its alerts are in the spool. */
  processedTo: number;
  private queue: QueuedBatch[] = [];
  private head = 0;
  private replay: AsyncGenerator<LogLine> | undefined;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private deadline = Number.POSITIVE_INFINITY;
  private spoolError: Error | undefined;
  private latestEventTime = 0;
  private checkpointSaved = 0;
  /** A round is being processed (its rotation included). */
  private inRound = false;
  private checkpointValue: number | undefined;

  private constructor(
    private readonly options: ProcessorOptions,
    resume: number,
  ) {
    this.processedTo = resume;
  }

  static async open(options: ProcessorOptions, checkpoint: number | undefined): Promise<Processor> {
    const { journal, spool, log } = options;
    const lastRef = await lastWholeBatch(spool, log);
    let resume = Math.max(checkpoint ?? journal.start, lastRef ?? 0);
    if (resume > journal.end) {
      log(`the checkpoint (${resume}) is past the end of ${journal.path} (${journal.end}): the journal was replaced; processing it from its start`);
      resume = journal.start;
    }
    resume = Math.max(resume, journal.start);
    const processor = new Processor(options, resume);
    await processor.warmUp(Math.max(journal.start, resume - WARM_UP_BYTES), resume);
    if (resume < journal.end) processor.replay = journal.lines(resume, journal.end);
    return processor;
  }

  /** True when everything accepted is processed and the checkpoint on disk says so. */
  get settled(): boolean {
    return !this.inRound && this.backlogBytes === 0 && this.checkpointValue === this.processedTo;
  }

  /** Journal bytes accepted and not yet processed. */
  get backlogBytes(): number {
    return this.options.journal.end - this.processedTo;
  }

  /** Why alerts cannot be stored now (the spool's disk), if so. */
  get error(): Error | undefined {
    return this.spoolError;
  }

  /** Now minus the time of the newest event processed, in seconds. */
  lagSeconds(now = Date.now()): number {
    return this.latestEventTime ? Math.max(0, (now - this.latestEventTime) / 1000) : 0;
  }

  /** A batch the journal just acknowledged, ending at `end`. */
  enqueue(events: AuditEvent[], end: number, bytes: number): void {
    this.queue.push({ events, end, bytes });
    this.wakeUp?.();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Processes what it can until the deadline, then stops; what is left is processed after a restart. */
  async stop(deadline: number): Promise<void> {
    this.stopping = true;
    this.deadline = deadline;
    this.wakeUp?.();
    await this.loop;
    await this.replay?.return(undefined);
  }

  private async warmUp(from: number, to: number): Promise<void> {
    const stats = emptyAuditStats();
    for await (const line of this.options.journal.lines(from, to)) {
      const events = this.eventsOfLine(line, stats, false);
      if (events) this.options.pipeline.auditEvents(events);
    }
    this.options.pipeline.flushDns();
  }

  private eventsOfLine(line: LogLine, stats = emptyAuditStats(), report = true): AuditEvent[] | undefined {
    try {
      return auditEventsOfValue(parseJournalLine(line.text), stats);
    } catch {
      if (report) {
        this.options.metrics.add('kubeward_journal_unreadable_lines_total');
        this.options.log(`journal: skipped an unreadable line at ${line.start}`);
      }
      return undefined;
    }
  }

  private async run(): Promise<void> {
    while (true) {
      if (this.stopping && Date.now() >= this.deadline) break;
      const round = await this.take();
      if (round.length === 0) {
        if (this.stopping) break;
        if (this.checkpointValue !== this.processedTo) {
          await this.saveCheckpoint(); // idle: bring it up to date, then look again
          continue;
        }
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        this.wakeUp = undefined;
        continue;
      }
      this.inRound = true;
      const lines: string[] = [];
      const { pipeline, metrics } = this.options;
      const duplicatesBefore = pipeline.detector.stats.duplicates;
      for (const batch of round) {
        for (const event of batch.events) if (event.time > this.latestEventTime) this.latestEventTime = event.time;
        const alerts = [...pipeline.auditEvents(batch.events), ...pipeline.flushDns()];
        alerts.forEach(({ alert }, index) => {
          metrics.add('kubeward_alerts_total', 1, { rule: alert.rule, priority: alert.priority });
          const left = alerts.length - 1 - index;
          lines.push(spoolLine(left > 0 ? { journal: batch.end, alert, left } : { journal: batch.end, alert }));
        });
      }
      metrics.add('kubeward_audit_duplicate_events_total', pipeline.detector.stats.duplicates - duplicatesBefore);
      if (lines.length > 0) {
        if (!(await this.appendToSpool(lines))) break;
        for (const runner of this.options.runners()) runner.wake();
      }
      this.processedTo = round[round.length - 1].end;
      // A checkpoint that lags only costs a restart some processing again: what raised alerts is
      // found from the spool (see open). So it is saved at most every CHECKPOINT_EVERY_MS.
      if (Date.now() - this.checkpointSaved >= CHECKPOINT_EVERY_MS) await this.saveCheckpoint();
      await this.rotate();
      this.inRound = false;
      await new Promise((resolve) => setImmediate(resolve)); // let requests in between rounds
    }
    await this.saveCheckpoint();
  }

  /** The next round: replayed batches from the journal first, then those accepted since the start. */
  private async take(): Promise<QueuedBatch[]> {
    const round: QueuedBatch[] = [];
    let bytes = 0;
    const started = Date.now();
    // Bounded in bytes and time, but never empty while there is work: a round that came back empty
    // would have the loop wait for a wake-up that already happened.
    while (round.length === 0 || (bytes < ROUND_BYTES && Date.now() - started < ROUND_MS)) {
      if (this.replay) {
        const next = await this.replay.next();
        if (next.done) {
          this.replay = undefined;
          continue;
        }
        const events = this.eventsOfLine(next.value) ?? [];
        round.push({ events, end: next.value.end, bytes: next.value.end - next.value.start });
        bytes += next.value.end - next.value.start;
        continue;
      }
      if (this.head >= this.queue.length) break; // nothing more now
      const batch = this.queue[this.head++];
      round.push(batch);
      bytes += batch.bytes;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return round;
  }

  /** Appends a round's alerts, retrying while the disk refuses; false when stopped before it could. */
  private async appendToSpool(lines: string[]): Promise<boolean> {
    let backoff = 100;
    while (true) {
      try {
        await this.options.spool.append(lines);
        if (this.spoolError) this.options.log(`alert spool ${this.options.spool.path}: writable again`);
        this.spoolError = undefined;
        return true;
      } catch (error) {
        if (!this.spoolError) this.options.log(`alert spool ${this.options.spool.path}: ${(error as Error).message}; processing waits (batches stay in the journal)`);
        this.spoolError = error as Error;
        this.options.metrics.add('kubeward_spool_errors_total');
        if (this.stopping && Date.now() >= this.deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(5000, backoff * 2);
      }
    }
  }

  private async saveCheckpoint(): Promise<void> {
    const value = this.processedTo;
    this.checkpointSaved = Date.now();
    const temporary = `${this.options.checkpointPath}.tmp`;
    try {
      await writeFile(temporary, `${value}\n`, { mode: 0o600 });
      await rename(temporary, this.options.checkpointPath);
    } catch (error) {
      // the next round saves it again; at worst a restart processes some batches again
      this.options.log(`journal checkpoint: ${(error as Error).message}`);
    }
    this.checkpointValue = value; // attempted: a failure is not retried in a loop
  }


  /** Rotates the journal once what is in `<journal>.1` is processed, and the spool once sinks are past it. */
  private async rotate(): Promise<void> {
    const { journal, spool, journalMaxBytes, spoolMaxBytes, log } = this.options;
    try {
      if (journal.currentBytes > journalMaxBytes && this.processedTo >= journal.currentBase) {
        await this.saveCheckpoint(); // never left pointing into a file the rotation after this one deletes
        await journal.rotate();
        log(`journal rotated to ${journal.path}.1`);
      }
      if (spool.currentBytes > spoolMaxBytes) {
        // the new spool file starts empty: the checkpoint alone must then say how far processing got
        if (this.checkpointValue !== this.processedTo) await this.saveCheckpoint();
        for (const runner of this.options.runners()) await runner.dropBefore(spool.currentBase);
        await spool.rotate();
      }
    } catch (error) {
      log(`rotation: ${(error as Error).message}`);
    }
  }
}

/**
 * The journal position past the last batch whose alerts are all in the spool, if the spool's current
 * file names one. A round's alerts are one write, and a kill -9 can cut a write short: the file then
 * ends (once its torn last line is gone, see AppendFile) inside a batch's alerts. Processing that
 * batch again would repeat those alerts and skipping it would lose the rest, so they are removed and
 * the batch is processed again whole.
 */
async function lastWholeBatch(spool: DurableLog, log: (message: string) => void): Promise<number | undefined> {
  const last = await spool.lastLine();
  if (!last) return undefined;
  const record = parseSpoolLine(last.text);
  if (!record) throw new Error(`the last line of ${spool.path} is not an alert of kubeward's`);
  if (!record.left) return record.journal;
  let before: number | undefined;
  let cut: number | undefined;
  for await (const line of spool.lines(spool.currentBase)) {
    const journal = parseSpoolLine(line.text)?.journal;
    if (journal === record.journal) {
      cut = line.start;
      break;
    }
    if (journal !== undefined) before = journal;
  }
  if (cut === undefined) return record.journal; // not reached: the last line is in the current file
  await spool.truncate(cut);
  log(`alert spool ${spool.path}: removed the alerts of a batch a crash cut short (journal position ${record.journal}); processing it again`);
  return before;
}
