import { auditEventsOfValue, type AuditEvent, type AuditParseStats } from '../detect/audit.js';
import { MAX_REDACT_DEPTH, redactAuditRaw } from '../detect/redact.js';
import { isRecord } from '../core/object.js';

/**
 * What the receiver keeps of a webhook body: the audit events in it (an EventList, an Event, or a JSON
 * array of either), each with Secret values redacted, as one journal line, an EventList. Items that
 * are not events are counted (by reason) and left out; a body with nothing but such items cannot
 * succeed however often it is retried.
 */

/**
 * Deeper bodies are refused. The API server decodes objects with Go's encoding/json, which refuses
 * nesting past 10,000 levels, and an EventList wraps an object in four more: nothing deeper comes
 * from an API server.
 */
export const MAX_BODY_DEPTH = 10_000 + 16;

/**
 * An event field nested deeper than redaction walks (a custom resource can legitimately nest deep)
 * is dropped from the stored event and the event marked with this annotation, as the API server's own
 * truncation drops request and response bodies: the event still counts, its batch is not refused.
 */
export const TRUNCATED_ANNOTATION = 'kubeward.io/truncated';

export interface Batch {
  events: AuditEvent[];
  /** Events with a field dropped for its depth. */
  truncated: number;
  /** True when every event is stored exactly as it came (nothing redacted, dropped or left out). */
  asSent: boolean;
}

/** The events of a parsed body, ready to journal: deep fields dropped, Secret values redacted. */
export function batchOf(value: unknown, stats: AuditParseStats, bodyDepth: number): Batch {
  const rejectedBefore = stats.rejected;
  const events = auditEventsOfValue(value, stats);
  let truncated = 0;
  let asSent = stats.rejected === rejectedBefore;
  const kept = events.map((event) => {
    let raw = event.raw;
    if (bodyDepth > MAX_REDACT_DEPTH) {
      const dropped = Object.keys(raw).filter((key) => nestedDeeperThan(raw[key], MAX_REDACT_DEPTH - 2));
      if (dropped.length > 0) {
        truncated++;
        raw = Object.fromEntries(Object.entries(raw).filter(([key]) => !dropped.includes(key)));
        const annotations = isRecord(raw.annotations) ? raw.annotations : {};
        raw.annotations = { ...annotations, [TRUNCATED_ANNOTATION]: `${dropped.join(',')} nested deeper than ${MAX_REDACT_DEPTH - 2} levels` };
      }
    }
    raw = redactAuditRaw(raw);
    if (raw === event.raw) return event;
    asSent = false;
    return { ...event, raw };
  });
  return { events: kept, truncated, asSent };
}

/**
 * The journal line for a batch: an EventList (items without kind, as the API server sends them). An
 * EventList body kept whole and written on one line (what the API server sends) is stored as it came,
 * saving a serialisation.
 */
export function journalLine(batch: Batch, value: unknown, body: Buffer): Buffer | string {
  if (batch.asSent && isRecord(value) && value.kind === 'EventList' && !body.includes(0x0a)) return body;
  return `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${batch.events.map((event) => JSON.stringify(event.raw)).join(',')}]}`;
}

const LIST_START = '{"kind":"EventList"';

/**
 * The value of a journal line. A line that does not parse may be a batch an older kubeward appended
 * to the fragment of a failed write: the batch after the fragment is recovered.
 */
export function parseJournalLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    for (let index = text.indexOf(LIST_START, 1); index > 0; index = text.indexOf(LIST_START, index + 1)) {
      try {
        return JSON.parse(text.slice(index));
      } catch {
        // not this one
      }
    }
    throw error;
  }
}

/** True when a JSON value nests deeper than `limit` levels below itself. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit <= 0) return true;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (nestedDeeperThan(item, limit - 1)) return true;
  return false;
}
