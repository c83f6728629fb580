import { InputError } from '../core/errors.js';
import { parseAuditLine } from '../detect/audit.js';
import type { DetectPipeline } from '../detect/pipeline.js';
import type { ReadLimits } from '../load/input.js';
import { readLines, type LineBatch } from '../load/lines.js';

/**
 * `detect`'s inputs read together: the audit log line by line, and the DNS log and flow log only as
 * far as the audit log's time has come, so the three streams reach the detector interleaved by time
 * and memory holds a window of each, not whole files. Every log is read within the same limits
 * (--max-file-size per line, --read-timeout for the first byte).
 */

export interface DetectInputs {
  audit: string;
  dns?: string;
  flows?: string;
}

/** A stream read up to a time: lines are fed until one lies past it. */
interface Side {
  file: string;
  batches: AsyncGenerator<LineBatch, void, undefined>;
  /** The batch being fed, and the index of its next line. */
  batch?: LineBatch;
  next: number;
  feed(line: string, id: string): number | undefined;
  /** Time of the last line fed. */
  horizon: number;
  done: boolean;
}

export async function readInputs(pipeline: DetectPipeline, inputs: DetectInputs, limits: ReadLimits = {}): Promise<void> {
  if ([inputs.audit, inputs.dns, inputs.flows].filter((file) => file === '-').length > 1) throw new InputError('only one of --audit-log, --dns-log and --flows can read stdin (-)');
  const sides: Side[] = [];
  const side = (file: string, what: string, feed: Side['feed']): Side => ({ file, batches: readLines(file, what, limits), next: 0, feed, horizon: -Infinity, done: false });
  if (inputs.dns) sides.push(side(inputs.dns, 'DNS log', (line, id) => pipeline.dnsLine(line, id)));
  if (inputs.flows) sides.push(side(inputs.flows, 'flow log', (line, id) => pipeline.flowLine(line, id)));
  const fill = async (time: number) => {
    for (const side of sides) {
      while (!side.done && side.horizon <= time) {
        if (!side.batch || side.next === side.batch.texts.length) {
          const pulled = await side.batches.next();
          if (pulled.done) {
            side.done = true;
            break;
          }
          side.batch = pulled.value;
          side.next = 0;
        }
        const { first, texts } = side.batch;
        const index = side.next++;
        side.horizon = side.feed(texts[index], `${side.file}:${first + index}`) ?? side.horizon;
      }
    }
  };
  const audit = readLines(inputs.audit, 'audit log', limits);
  try {
    // a missing DNS or flow log is found before the audit log is read
    await fill(Number.NEGATIVE_INFINITY);
    for await (const { texts } of audit) {
      for (const line of texts) {
        const events = parseAuditLine(line, pipeline.auditStats);
        if (sides.length > 0 && events.length > 0) {
          let latest = events[0].time;
          for (const event of events) if (event.time > latest) latest = event.time;
          await fill(latest);
        }
        pipeline.auditEvents(events);
      }
    }
    await fill(Number.POSITIVE_INFINITY);
    pipeline.flush();
  } finally {
    await audit.return();
    for (const side of sides) await side.batches.return();
  }
}
