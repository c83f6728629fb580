import { isRecord } from '../core/object.js';
import type { DetectContext } from './context.js';

/**
 * Kubernetes audit events (audit.k8s.io/v1 Event) as the log backend writes them (JSON lines) and as
 * the webhook backend posts them (an EventList whose items carry no kind/apiVersion). Parsing never
 * throws on bad data: a truncated line or a value that is not an event is counted and skipped.
 */

export interface AuditEvent {
  source: 'audit';
  /** The event exactly as parsed: rules read it through fields.ts, never directly. */
  raw: Record<string, unknown>;
  auditID: string;
  stage: string;
  /** Event time in ms since the epoch: stageTimestamp (what Falco uses), else requestReceivedTimestamp. */
  time: number;
  /** The same time as RFC 3339 text, as the API server wrote it. */
  timeText: string;
  /** The evidence id of this event: its auditID. */
  id: string;
  /** What the engine knows beyond this event (roles seen earlier, the cluster), set by the detector. */
  context?: DetectContext;
}

/** The fields of audit.k8s.io/v1 Event; anything else is counted as unknown (v1beta1 adds `timestamp`, `metadata`). */
export const EVENT_FIELDS: ReadonlySet<string> = new Set([
  'kind',
  'apiVersion',
  'level',
  'auditID',
  'stage',
  'requestURI',
  'verb',
  'user',
  'impersonatedUser',
  'sourceIPs',
  'userAgent',
  'objectRef',
  'responseStatus',
  'requestObject',
  'responseObject',
  'requestReceivedTimestamp',
  'stageTimestamp',
  'annotations',
]);
const LEGACY_FIELDS: ReadonlySet<string> = new Set(['timestamp', 'metadata']);

/** Stages that carry a request's outcome; RequestReceived is written before authorization. */
export const OUTCOME_STAGES: ReadonlySet<string> = new Set(['ResponseStarted', 'ResponseComplete', 'Panic']);
/** One bit per stage, to remember which stages of a request were seen. */
export const STAGE_BITS: Readonly<Record<string, number>> = { RequestReceived: 1, ResponseStarted: 2, ResponseComplete: 4, Panic: 8 };
/** Stages the schema does not name share one bit: a second one of them counts as a duplicate. */
export const OTHER_STAGE = 16;

/** What parsing saw, for the end-of-run summary: nothing bad is dropped silently. */
export interface AuditParseStats {
  lines: number;
  events: number;
  /** Lines that are not JSON (typically a line cut short by rotation or a crash). */
  truncated: number;
  /** JSON values that are not audit events (wrong kind, no auditID or stage, no timestamp). */
  rejected: number;
  /** Field name → how many events carried it, for top-level fields outside the Event schema. */
  unknownFields: Record<string, number>;
  /** Why values were rejected, with counts (e.g. `data not recognized as a k8s audit event`). */
  rejectReasons: Record<string, number>;
}

export function emptyAuditStats(): AuditParseStats {
  return { lines: 0, events: 0, truncated: 0, rejected: 0, unknownFields: {}, rejectReasons: {} };
}

function reject(stats: AuditParseStats, reason: string): void {
  stats.rejected++;
  stats.rejectReasons[reason] = (stats.rejectReasons[reason] ?? 0) + 1;
}

/** RFC 3339 with any fraction (the API server writes microseconds) → ms, or NaN. */
export function parseRfc3339(text: unknown): number {
  if (typeof text !== 'string') return NaN;
  const fast = sameSecondAsLast(text);
  if (fast !== undefined) return fast;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!match) return NaN;
  // the fraction in whole milliseconds, truncated (Date.parse misreads fractions of ten digits or more)
  const second = Date.parse(match[1] + match[3].toUpperCase());
  const time = second + (match[2] ? Number(match[2].slice(0, 3).padEnd(3, '0')) : 0);
  if (match[3] === 'Z' && !Number.isNaN(second)) {
    lastSecond = match[1];
    lastSecondMs = second;
  }
  return time;
}

/**
 * The API server writes thousands of events a second: most timestamps share their second with the
 * previous one. Those are read as that second plus their fraction, without the regex and Date.parse.
 */
let lastSecond = '';
let lastSecondMs = NaN;

function sameSecondAsLast(text: string): number | undefined {
  const length = text.length;
  if (length < 20 || text.charCodeAt(length - 1) !== 90 /* Z */ || !text.startsWith(lastSecond) || lastSecond === '') return undefined;
  if (length === 20) return lastSecondMs;
  if (text.charCodeAt(19) !== 46 /* . */ || length === 21) return undefined;
  let ms = 0;
  for (let i = 20; i < length - 1; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    // milliseconds, as Date.parse reads them: the first three digits, the rest truncated
    if (i < 23) ms = ms * 10 + digit;
  }
  for (let i = length - 1; i < 23; i++) ms *= 10;
  return lastSecondMs + ms;
}

/**
 * One audit Event from a JSON value. `listItem` is true for EventList items, which the webhook
 * backend serialises without kind/apiVersion; a top-level value must say `kind: Event`, as the
 * Falco k8saudit plugin requires.
 */
export function auditEventOf(value: unknown, stats: AuditParseStats, listItem = false): AuditEvent | undefined {
  if (!isRecord(value)) {
    reject(stats, 'not a JSON object');
    return undefined;
  }
  if (!listItem && value.kind !== 'Event') {
    reject(stats, 'data not recognized as a k8s audit event');
    return undefined;
  }
  if (listItem && value.kind !== undefined && value.kind !== 'Event') {
    reject(stats, 'EventList item is not an Event');
    return undefined;
  }
  const { auditID, stage } = value;
  if (typeof auditID !== 'string' || auditID === '' || typeof stage !== 'string' || stage === '') {
    reject(stats, 'event without auditID or stage');
    return undefined;
  }
  let timeText = value.stageTimestamp;
  let time = parseRfc3339(timeText);
  if (Number.isNaN(time)) {
    timeText = value.requestReceivedTimestamp;
    time = parseRfc3339(timeText);
  }
  if (Number.isNaN(time)) {
    reject(stats, "can't read stageTimestamp");
    return undefined;
  }
  for (const key in value) {
    if (!EVENT_FIELDS.has(key) && !LEGACY_FIELDS.has(key)) stats.unknownFields[key] = (stats.unknownFields[key] ?? 0) + 1;
  }
  stats.events++;
  // every property set here, so the detector's `context` does not change the object's shape later
  return { source: 'audit', raw: value, auditID, stage, time, timeText: timeText as string, id: auditID, context: undefined };
}

/**
 * The events in one JSON value: an Event, an EventList (items without kind are fine), or a JSON array
 * of either (what some shippers write). Anything else is rejected and counted. Arrays nest one level
 * only: an array inside the array is rejected, never walked (a line of 9,000 `[` must not recurse).
 */
export function auditEventsOfValue(value: unknown, stats: AuditParseStats): AuditEvent[] {
  if (!Array.isArray(value)) return auditEventsOfObject(value, stats);
  const events: AuditEvent[] = [];
  for (const item of value) {
    if (Array.isArray(item)) reject(stats, 'array nested in an array of events');
    else for (const event of auditEventsOfObject(item, stats)) events.push(event);
  }
  return events;
}

function auditEventsOfObject(value: unknown, stats: AuditParseStats): AuditEvent[] {
  if (isRecord(value) && value.kind === 'EventList') {
    if (!Array.isArray(value.items)) {
      reject(stats, 'EventList without items');
      return [];
    }
    const events: AuditEvent[] = [];
    for (const item of value.items) {
      const event = auditEventOf(item, stats, true);
      if (event) events.push(event);
    }
    return events;
  }
  const event = auditEventOf(value, stats);
  return event ? [event] : [];
}

/** One line of a JSON-lines audit log (blank lines are not counted). */
export function parseAuditLine(line: string, stats: AuditParseStats): AuditEvent[] {
  // trim() copies the whole line even when there is nothing to trim (most lines)
  const text = line.length > 0 && line.charCodeAt(0) > 32 && line.charCodeAt(line.length - 1) > 32 ? line : line.trim();
  if (text === '') return [];
  stats.lines++;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    stats.truncated++;
    return [];
  }
  return auditEventsOfValue(value, stats);
}

/** A webhook request body (one EventList, or JSON lines of them): the events and what was wrong. */
export function parseAuditBody(text: string, stats: AuditParseStats): AuditEvent[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const value = JSON.parse(trimmed);
    stats.lines++;
    return auditEventsOfValue(value, stats);
  } catch {
    return trimmed.split('\n').flatMap((line) => parseAuditLine(line, stats));
  }
}

// ---- what an event says, read the way the API server means it ------------------------------------

/** Bound service-account tokens carry these in user.extra (k8s.io/apiserver serviceaccount/util.go). */
export const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';
export const DECISION_ANNOTATION = 'authorization.k8s.io/decision';

/** The authenticated user's name (the actor; an impersonated identity is in impersonatedUser). */
export function usernameOf(event: AuditEvent): string | undefined {
  const user = event.raw.user;
  return isRecord(user) && typeof user.username === 'string' ? user.username : undefined;
}

/**
 * The identity an alert names: the authenticated user, i.e. who acted. When the request impersonated
 * someone, the API server authorized it as impersonatedUser; that name is in `ka.impuser.name`.
 */
export function principalOf(event: AuditEvent): string {
  return usernameOf(event) ?? '<unknown>';
}
