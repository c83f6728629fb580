import { isRecord } from '../core/object.js';
import type { AuditEvent } from './audit.js';
import type { DetectEvent } from './fields.js';

/**
 * Secret values never leave kubeward. At the RequestResponse level the API server logs Secrets with
 * their data (requestObject, responseObject, a SecretList's items, a patch's values, the
 * last-applied-configuration annotation) and TokenRequests with the issued token. Everything that is
 * printed (alert summaries, Falco `%ka.req.*`/`%jevt.*` output fields) or stored (the receiver's
 * journal) reads a redacted copy; conditions still see the event as it is.
 */

export const REDACTED = '<redacted>';

/**
 * The deepest nesting redaction walks. No Kubernetes object nests this deep; anything below it is
 * replaced whole (fail closed), so a Secret cannot hide under more levels than the walk visits, and
 * what is printed or stored stays shallow enough to serialise.
 */
export const MAX_REDACT_DEPTH = 512;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function redactMap(value: unknown): unknown {
  if (!isRecord(value)) return value === undefined ? undefined : REDACTED;
  return Object.fromEntries(Object.keys(value).map((key) => [key, REDACTED]));
}

function redactSecretObject(object: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...object };
  if ('data' in copy) copy.data = redactMap(copy.data);
  if ('stringData' in copy) copy.stringData = redactMap(copy.stringData);
  if (isRecord(copy.metadata) && isRecord(copy.metadata.annotations) && LAST_APPLIED in copy.metadata.annotations) {
    copy.metadata = { ...copy.metadata, annotations: { ...copy.metadata.annotations, [LAST_APPLIED]: REDACTED } };
  }
  return copy;
}

/** A request or response body that concerns Secrets: a Secret, a list of them, a patch, a Table. */
function redactSecretBody(body: unknown): unknown {
  if (Array.isArray(body)) {
    // JSON patch: every operation's value may carry secret data.
    return body.map((op) => (isRecord(op) && 'value' in op ? { ...op, value: REDACTED } : op));
  }
  if (!isRecord(body)) return body === undefined ? undefined : REDACTED;
  if (Array.isArray(body.items)) return { ...redactSecretObject(body), items: body.items.map((item) => (isRecord(item) ? redactSecretObject(item) : REDACTED)) };
  if (Array.isArray(body.rows)) return { ...body, rows: REDACTED };
  return redactSecretObject(body);
}

/** Any Secret nested anywhere (e.g. in a List of mixed kinds) is redacted too; below MAX_REDACT_DEPTH, everything is. */
function redactNestedSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_REDACT_DEPTH) return REDACTED;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = redactNestedSecrets(item, depth + 1);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (!isRecord(value)) return value;
  if (value.kind === 'Secret' || value.kind === 'SecretList') return redactSecretBody(value);
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const next = redactNestedSecrets(item, depth + 1);
    if (next !== item) {
      copy ??= { ...value };
      copy[key] = next;
    }
  }
  return copy ?? value;
}

/** True when the event may carry a credential in its bodies. */
function concernsSecrets(raw: Record<string, unknown>): boolean {
  const ref = raw.objectRef;
  return isRecord(ref) && (ref.resource === 'secrets' || (ref.resource === 'serviceaccounts' && ref.subresource === 'token'));
}

/** The event with every Secret value and issued token replaced by `<redacted>`. */
export function redactAuditRaw(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.requestObject === undefined && raw.responseObject === undefined) return raw;
  const copy: Record<string, unknown> = { ...raw };
  if (concernsSecrets(raw)) {
    const ref = raw.objectRef as Record<string, unknown>;
    if (ref.resource === 'secrets') {
      if (copy.requestObject !== undefined) copy.requestObject = redactSecretBody(copy.requestObject);
      if (copy.responseObject !== undefined) copy.responseObject = redactSecretBody(copy.responseObject);
    } else if (isRecord(copy.responseObject) && isRecord(copy.responseObject.status)) {
      // TokenRequest: status.token is a live credential.
      copy.responseObject = { ...copy.responseObject, status: { ...copy.responseObject.status, token: REDACTED } };
    }
  }
  copy.requestObject = redactNestedSecrets(copy.requestObject);
  copy.responseObject = redactNestedSecrets(copy.responseObject);
  if (copy.requestObject === undefined) delete copy.requestObject;
  if (copy.responseObject === undefined) delete copy.responseObject;
  return copy;
}

const redactedEvents = new WeakMap<AuditEvent, AuditEvent>();

/** The event as anything printable reads it. */
export function printable(event: DetectEvent): DetectEvent {
  if (event.source !== 'audit') return event;
  let redacted = redactedEvents.get(event);
  if (!redacted) {
    const raw = redactAuditRaw(event.raw);
    redacted = raw === event.raw ? event : { ...event, raw };
    redactedEvents.set(event, redacted);
  }
  return redacted;
}
