import { rename, readFile, writeFile } from 'node:fs/promises';
import type { Alert } from '../core/alert.js';
import type { DurableLog } from './durable-log.js';
import type { Metrics } from './metrics.js';
import type { Sink } from './sinks.js';

/**
 * At-least-once delivery from the alert spool to each sink. Every alert is in the spool (fsynced)
 * before its batch counts as processed; each sink reads the spool from its own cursor, delivers a
 * round of alerts, and only then moves the cursor past them (saved in `<journal>.alerts.cursors`).
 * A sink that fails retries the same alerts with backoff, alone: the others and the journal do not
 * wait for it. After a crash a sink gets again at most the round it was delivering.
 */

/** One alert in the spool: the journal position just past its batch, the alert. */
export interface SpoolRecord {
  journal: number;
  alert: Alert;
  /**
   * How many alerts of the same batch come after this one (absent when none). A spool whose last line
   * says more are coming was cut short by a crash in the middle of a batch's alerts.
   */
  left?: number;
}

/** Alerts per delivery round: also the most a sink can get twice after a crash. */
export const DELIVERY_ROUND = 100;
const BACKOFF_FIRST_MS = 200;
const BACKOFF_MAX_MS = 30_000;

export function spoolLine(record: SpoolRecord): string {
  return JSON.stringify(record);
}

export function parseSpoolLine(text: string): SpoolRecord | undefined {
  try {
    const value = JSON.parse(text) as SpoolRecord;
    return typeof value?.journal === 'number' && value.alert && typeof value.alert === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The sinks' cursors, one JSON file replaced atomically; saves are coalesced, one at a time. */
export class CursorStore {
  private saving: Promise<void> | undefined;
  private again = false;

  constructor(
    readonly path: string,
    private readonly snapshot: () => Record<string, { name: string; position: number }>,
  ) {}

  static async load(path: string): Promise<Map<string, number>> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return new Map();
    }
    try {
      const value = JSON.parse(text) as Record<string, { position?: unknown }>;
      return new Map(Object.entries(value).flatMap(([key, entry]) => (Number.isSafeInteger(entry?.position) ? [[key, entry.position as number]] : [])));
    } catch {
      return new Map(); // a torn cursor file: sinks start over from the spool's start (at least once)
    }
  }

  save(): Promise<void> {
    if (this.saving) {
      this.again = true;
      return this.saving;
    }
    this.saving = (async () => {
      do {
        this.again = false;
        const temporary = `${this.path}.tmp`;
        try {
          await writeFile(temporary, `${JSON.stringify(this.snapshot())}\n`, { mode: 0o600 });
          await rename(temporary, this.path);
        } catch {
          // a cursor not saved only means a sink gets some alerts again after a restart
        }
      } while (this.again);
    })().finally(() => (this.saving = undefined));
    return this.saving;
  }
}

export class SinkRunner {
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private failing = 0;
  /** Bumped when the spool rotated this sink's unread alerts away: a round in flight then does not move the cursor back. */
  private epoch = 0;

  constructor(
    readonly sink: Sink,
    private readonly spool: DurableLog,
    /** The spool position past the last alert the sink confirmed. */
    public position: number,
    private readonly metrics: Metrics,
    private readonly log: (message: string) => void,
    private readonly saveCursor: () => void,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** New alerts are in the spool. */
  wake(): void {
    this.wakeUp?.();
  }

  get caughtUp(): boolean {
    return this.position >= this.spool.end;
  }

  /**
   * The spool is about to drop what is below `position`: a sink still behind it loses those alerts
   * (counted). Returns how many.
   */
  async dropBefore(position: number): Promise<number> {
    if (this.position >= position) return 0;
    let lost = 0;
    for await (const line of this.spool.lines(this.position, position)) if (parseSpoolLine(line.text)) lost++;
    this.epoch++;
    this.position = position;
    this.metrics.add('kubeward_sink_dropped_alerts_total', lost, { sink: this.sink.name, reason: 'backlog' });
    this.log(`sink ${this.sink.name}: ${lost} alerts not delivered were dropped: the sink is more than --sink-spool-max-bytes behind`);
    this.saveCursor();
    return lost;
  }

  /** Waits until the sink has every alert in the spool, or until the deadline. */
  async drain(deadline: number): Promise<void> {
    while (!this.caughtUp && Date.now() < deadline && !this.stopped) await sleep(Math.min(50, Math.max(0, deadline - Date.now())));
  }

  /** Stops now: a delivery in flight is abandoned (its alerts are sent again after a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_FIRST_MS;
    while (!this.stopped) {
      if (this.caughtUp) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        this.wakeUp = undefined;
        continue;
      }
      const epoch = this.epoch;
      const records: { alert: Alert; end: number }[] = [];
      let scanned = this.position;
      for await (const line of this.spool.lines(this.position)) {
        scanned = line.end;
        const record = parseSpoolLine(line.text);
        if (record) records.push({ alert: record.alert, end: line.end });
        if (records.length >= DELIVERY_ROUND) break;
      }
      if (records.length === 0) {
        if (epoch === this.epoch) this.position = Math.max(this.position, scanned);
        continue;
      }
      const result = await this.sink.deliver(
        records.map((record) => record.alert),
        this.abort.signal,
      );
      if (result.delivered > 0 && epoch === this.epoch) {
        this.position = Math.max(this.position, records[result.delivered - 1].end);
        this.metrics.add('kubeward_sink_delivered_alerts_total', result.delivered - result.dropped, { sink: this.sink.name });
        if (result.dropped > 0) {
          this.metrics.add('kubeward_sink_dropped_alerts_total', result.dropped, { sink: this.sink.name, reason: 'refused' });
          this.log(`sink ${this.sink.name}: ${result.dropped} alerts refused for good (HTTP 400, 413, 415 or 422) and dropped`);
        }
        this.saveCursor();
      }
      if (!result.error) {
        if (this.failing > 0) this.log(`sink ${this.sink.name}: delivering again after ${this.failing} failed attempts`);
        this.failing = 0;
        backoff = BACKOFF_FIRST_MS;
        continue;
      }
      if (this.stopped) break;
      this.metrics.add('kubeward_sink_errors_total', 1, { sink: this.sink.name });
      if (this.failing++ === 0) this.log(`sink ${this.sink.name}: ${result.error.message}; retrying with backoff, other sinks go on`);
      await this.pause(backoff);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
    }
  }

  private pause(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
