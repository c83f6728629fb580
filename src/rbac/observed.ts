/**
 * What a subject did, read from API server audit events: each request as the authorizer saw it (its
 * RequestAttributes), whether RBAC allowed it, when, and how often. The raw material of
 * `rbac generate` (the roles that allow exactly this) and `rbac diff` (what is held but unused).
 *
 * The audit event's objectRef is the API server's RequestInfo (namespace, name, resource,
 * subresource, API group) and its verb the authorizer's verb, with two corrections:
 *  - a `create` carries no name when it is authorized (the name is in the body); the audit backend
 *    fills objectRef.name in from the body afterwards, so it is dropped again here;
 *  - the namespace is read from the request URI when there is one, for the same reason.
 * A request sent with impersonation headers is authorized as the impersonated user; the actor needed
 * `impersonate` on that user (or ServiceAccount), its groups, extras and uid: those are requests too.
 */
import { parseServiceAccountUsername, serviceAccountUsername } from '../core/identity.js';
import { isRecord } from '../core/object.js';
import { DECISION_ANNOTATION, OTHER_STAGE, OUTCOME_STAGES, STAGE_BITS, type AuditEvent } from '../detect/audit.js';
import type { RequestAttributes } from './authorizer.js';
import { ALL_AUTHENTICATED, serviceAccountGroups, type SubjectRef } from './subject.js';

const OUTCOME_BITS = STAGE_BITS.ResponseStarted | STAGE_BITS.ResponseComplete | STAGE_BITS.Panic;

/** One distinct request of the subject, with how often it was allowed and denied, and when. */
export interface ObservedRequest {
  attributes: RequestAttributes;
  /** Unique per distinct request: verb, namespace, group, resource, subresource, name or path. */
  key: string;
  allowed: number;
  denied: number;
  first: number;
  last: number;
  /** Set for the `impersonate` checks of a request sent with impersonation headers. */
  impersonation?: boolean;
}

export interface ActivityWindow {
  /** ms since the epoch; events before are left out. */
  since?: number;
  /** ms since the epoch; events after are left out. */
  until?: number;
}

export interface ActivityStats {
  /** Audit events of the subject (every stage), inside the window. */
  events: number;
  /** Requests (distinct auditIDs with an outcome) of the subject. */
  requests: number;
  allowed: number;
  denied: number;
  /** Events of the subject outside --since/--until. */
  outsideWindow: number;
  /** Later stages of a request already counted, and repeated (auditID, stage) pairs. */
  duplicates: number;
  /** Events of the subject whose request cannot be read (no verb, no objectRef nor URI), or that failed authentication. */
  unreadable: number;
  first?: number;
  last?: number;
}

interface AuditUser {
  username: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

function userOf(value: unknown): AuditUser | undefined {
  if (!isRecord(value) || typeof value.username !== 'string') return undefined;
  const groups = Array.isArray(value.groups) ? value.groups.filter((group): group is string => typeof group === 'string') : [];
  const extra: Record<string, string[]> = {};
  if (isRecord(value.extra)) {
    for (const [key, values] of Object.entries(value.extra)) if (Array.isArray(values)) extra[key] = values.filter((item): item is string => typeof item === 'string');
  }
  return { username: value.username, groups, uid: typeof value.uid === 'string' && value.uid ? value.uid : undefined, extra };
}

/** Does this user (as the authorizer saw it) stand for the subject? */
export function userIsSubject(user: { username: string; groups: readonly string[] }, subject: SubjectRef): boolean {
  switch (subject.kind) {
    case 'ServiceAccount':
      return user.username === serviceAccountUsername(subject.namespace ?? '', subject.name);
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The namespace RequestInfoFactory reads from a resource URI: `/api/v1/namespaces/NS/…` or
 * `/apis/GROUP/VERSION/namespaces/NS/…` (and the deprecated `/watch/` form); `''` when the URI names
 * none. Undefined when the URI is not a resource path.
 */
export function namespaceOfRequestUri(uri: string): string | undefined {
  const path = uri.split('?')[0];
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 3) rest = parts.slice(3);
  else return undefined;
  if (rest[0] === 'watch') rest = rest.slice(1);
  return rest[0] === 'namespaces' && rest.length > 1 ? decodePath(rest[1]) : '';
}

/** The request's authorization attributes, or undefined when the event does not say enough. */
export function requestAttributesOf(event: AuditEvent): RequestAttributes | undefined {
  const raw = event.raw;
  const verb = raw.verb;
  if (typeof verb !== 'string' || verb === '') return undefined;
  const uri = typeof raw.requestURI === 'string' ? raw.requestURI : undefined;
  const ref = raw.objectRef;
  if (isRecord(ref) && typeof ref.resource === 'string' && ref.resource !== '') {
    const subresource = text(ref.subresource);
    const fromUri = uri === undefined ? undefined : namespaceOfRequestUri(uri);
    return {
      verb,
      namespace: fromUri ?? text(ref.namespace),
      apiGroup: text(ref.apiGroup),
      resource: ref.resource,
      subresource,
      // A create is authorized before its body is read: no name, whatever objectRef says later.
      name: verb === 'create' && subresource === '' ? '' : text(ref.name),
    };
  }
  if (uri === undefined || !uri.startsWith('/')) return undefined;
  return { verb, path: decodePath(uri.split('?')[0]), namespace: '' };
}

/**
 * The authorization decision: the `authorization.k8s.io/decision` annotation, else the response
 * code (403 is a denial). Undefined for a request that failed authentication (401): nobody was authorized.
 */
export function decisionOf(event: AuditEvent): 'allow' | 'forbid' | undefined {
  const annotations = event.raw.annotations;
  const decision = isRecord(annotations) ? annotations[DECISION_ANNOTATION] : undefined;
  if (decision === 'allow' || decision === 'forbid') return decision;
  const status = event.raw.responseStatus;
  const code = isRecord(status) ? status.code : undefined;
  if (code === 401) return undefined;
  return code === 403 ? 'forbid' : 'allow';
}

/**
 * The `impersonate` checks the API server made before serving a request sent as `impersonated`
 * (k8s.io/apiserver endpoints/filters/impersonation.go): the user (a ServiceAccount in its namespace),
 * each group asked for, each extra value, the uid. Groups the server adds itself are not checked:
 * `system:authenticated`, and a ServiceAccount's own groups.
 */
export function impersonationChecks(impersonated: AuditUser): RequestAttributes[] {
  const checks: RequestAttributes[] = [];
  const account = parseServiceAccountUsername(impersonated.username);
  const automatic = new Set([ALL_AUTHENTICATED, ...(account ? serviceAccountGroups(account.namespace) : [])]);
  if (account) checks.push({ verb: 'impersonate', namespace: account.namespace, apiGroup: '', resource: 'serviceaccounts', subresource: '', name: account.name });
  else checks.push({ verb: 'impersonate', namespace: '', apiGroup: '', resource: 'users', subresource: '', name: impersonated.username });
  for (const group of impersonated.groups) {
    if (!automatic.has(group)) checks.push({ verb: 'impersonate', namespace: '', apiGroup: '', resource: 'groups', subresource: '', name: group });
  }
  for (const [key, values] of Object.entries(impersonated.extra)) {
    for (const value of values) checks.push({ verb: 'impersonate', namespace: '', apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: value });
  }
  if (impersonated.uid) checks.push({ verb: 'impersonate', namespace: '', apiGroup: 'authentication.k8s.io', resource: 'uids', subresource: '', name: impersonated.uid });
  return checks;
}

export function requestKey(attributes: RequestAttributes): string {
  if (attributes.path !== undefined) return `url\u0000${attributes.verb}\u0000${attributes.path}`;
  return [attributes.verb, attributes.namespace ?? '', attributes.apiGroup ?? '', attributes.resource ?? '', attributes.subresource ?? '', attributes.name ?? ''].join('\u0000');
}

/**
 * The requests of one subject in a stream of audit events: each request counted once (its first
 * ResponseStarted, ResponseComplete or Panic event; an exec's ResponseStarted and ResponseComplete
 * are one request), grouped into distinct requests. Memory grows with the subject's requests only.
 */
export class SubjectActivity {
  readonly stats: ActivityStats = { events: 0, requests: 0, allowed: 0, denied: 0, outsideWindow: 0, duplicates: 0, unreadable: 0 };
  /** Every group the subject's requests were authenticated with (a user's groups come from its identity provider). */
  readonly groups = new Set<string>();
  private readonly distinct = new Map<string, ObservedRequest>();
  /** auditID → the stages seen (STAGE_BITS), for the subject's requests only. */
  private readonly seen = new Map<string, number>();

  constructor(
    readonly subject: SubjectRef,
    private readonly window: ActivityWindow = {},
  ) {}

  add(event: AuditEvent): void {
    const raw = event.raw;
    const actor = userOf(raw.user);
    if (!actor) return;
    const impersonated = userOf(raw.impersonatedUser);
    const authorizedAs = impersonated ?? actor;
    const asSubject = userIsSubject(authorizedAs, this.subject);
    const impersonating = impersonated !== undefined && userIsSubject(actor, this.subject);
    if (!asSubject && !impersonating) return;
    if ((this.window.since !== undefined && event.time < this.window.since) || (this.window.until !== undefined && event.time > this.window.until)) {
      this.stats.outsideWindow++;
      return;
    }
    this.stats.events++;
    const seen = this.seen.get(event.auditID) ?? 0;
    const stage = STAGE_BITS[event.stage] ?? OTHER_STAGE;
    if (seen & stage) {
      this.stats.duplicates++;
      return;
    }
    this.seen.set(event.auditID, seen | stage);
    if (!OUTCOME_STAGES.has(event.stage)) return;
    if (seen & OUTCOME_BITS) {
      this.stats.duplicates++;
      return;
    }
    const attributes = requestAttributesOf(event);
    const decision = decisionOf(event);
    if (!attributes || !decision) {
      this.stats.unreadable++;
      return;
    }
    this.stats.requests++;
    this.stats.first = Math.min(this.stats.first ?? event.time, event.time);
    this.stats.last = Math.max(this.stats.last ?? event.time, event.time);
    if (asSubject) {
      for (const group of authorizedAs.groups) this.groups.add(group);
      this.record(attributes, decision === 'allow', event.time);
      if (decision === 'allow') this.stats.allowed++;
      else this.stats.denied++;
    }
    if (impersonating) {
      // Impersonation is checked before authorization: a request that reached the authorizer passed it.
      const reachedAuthorizer = isRecord(raw.annotations) && raw.annotations[DECISION_ANNOTATION] !== undefined;
      const allowed = reachedAuthorizer || decision === 'allow';
      for (const check of impersonationChecks(impersonated!)) this.record(check, allowed, event.time, true);
      if (!asSubject) {
        if (allowed) this.stats.allowed++;
        else this.stats.denied++;
      }
    }
  }

  private record(attributes: RequestAttributes, allowed: boolean, time: number, impersonation = false): void {
    const key = requestKey(attributes);
    let entry = this.distinct.get(key);
    if (!entry) {
      entry = { attributes, key, allowed: 0, denied: 0, first: time, last: time };
      if (impersonation) entry.impersonation = true;
      this.distinct.set(key, entry);
    }
    if (allowed) entry.allowed++;
    else entry.denied++;
    entry.first = Math.min(entry.first, time);
    entry.last = Math.max(entry.last, time);
  }

  /** The distinct requests, in a stable order (by key). */
  requests(): ObservedRequest[] {
    return [...this.distinct.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/**
 * Could an escape in this JSON text spell part of a name? `\/` could, and `\uXXXX` could, except the
 * three Go writes for HTML safety (`\u0026`, `\u003c`, `\u003e`: `&`, `<`, `>`), which the names
 * looked for never hold. Escapes are read in pairs, so an escaped backslash before a `u` is not one.
 */
function mayHoldSpellingEscape(line: string): boolean {
  for (let at = line.indexOf('\\'); at >= 0; at = line.indexOf('\\', at + 2)) {
    const next = line.charCodeAt(at + 1);
    if (next === 0x2f) return true; // \/
    if (next !== 0x75) continue; // not \u
    const code = line.slice(at + 2, at + 6).toLowerCase();
    if (code !== '0026' && code !== '003c' && code !== '003e') return true;
  }
  return false;
}

/**
 * A quick test that a line of JSON may concern the subject, to leave the rest unparsed: the line
 * holds the name the subject authenticates as (its username, or the group), or an escape that could
 * spell it. Undefined (parse every line) for names a JSON writer may escape themselves.
 */
export function lineMayConcern(subject: SubjectRef): ((line: string) => boolean) | undefined {
  const needle = subject.kind === 'ServiceAccount' ? serviceAccountUsername(subject.namespace ?? '', subject.name) : subject.name;
  if (!/^[\x20-\x7e]+$/.test(needle) || /["\\<>&]/.test(needle)) return undefined;
  return (line) => line.includes(needle) || mayHoldSpellingEscape(line);
}
