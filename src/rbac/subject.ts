/**
 * Who is asking: the `user.Info` the API server authorizes (a username and groups), and the
 * subjects bindings name. Group membership is not stored in the API: the only groups kubeward can
 * know are the ones authentication adds itself (the implicit groups below) and the ones asked about.
 */
import { parseServiceAccountUsername, serviceAccountUsername } from '../core/identity.js';
import { InputError } from '../core/errors.js';
import type { Subject } from './model.js';

export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS = 'system:anonymous';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

/** A subject as reports name it. */
export interface SubjectRef {
  kind: SubjectKind;
  name: string;
  /** ServiceAccounts only. */
  namespace?: string;
}

/** user.Info: what the authorizer sees. `subject` says how the identity was asked for, for display. */
export interface Identity {
  name: string;
  groups: string[];
  subject: SubjectRef;
}

export { parseServiceAccountUsername, serviceAccountUsername };

/** serviceaccount.MakeGroupNames. */
export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/**
 * AuthenticatedGroupAdder: every authenticated user gets `system:authenticated`, except
 * `system:anonymous` and anyone already in `system:authenticated` or `system:unauthenticated`.
 */
export function withAuthenticatedGroup(name: string, groups: readonly string[]): string[] {
  if (name === ANONYMOUS || groups.includes(ALL_AUTHENTICATED) || groups.includes(ALL_UNAUTHENTICATED)) return [...groups];
  return [...groups, ALL_AUTHENTICATED];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** A ServiceAccount's token: its username, its two groups, `system:authenticated`. */
export function serviceAccountIdentity(namespace: string, name: string, extraGroups: readonly string[] = []): Identity {
  const username = serviceAccountUsername(namespace, name);
  return { name: username, groups: withAuthenticatedGroup(username, unique([...serviceAccountGroups(namespace), ...extraGroups])), subject: { kind: 'ServiceAccount', name, namespace } };
}

/**
 * A user as authentication would present it. Anonymous is in `system:unauthenticated`. A username
 * of the ServiceAccount form gets the ServiceAccount groups, as impersonation (`kubectl --as`) adds them.
 */
export function userIdentity(name: string, extraGroups: readonly string[] = []): Identity {
  const account = parseServiceAccountUsername(name);
  if (account) return serviceAccountIdentity(account.namespace, account.name, extraGroups);
  const base = name === ANONYMOUS ? unique([ALL_UNAUTHENTICATED, ...extraGroups]) : unique([...extraGroups]);
  return { name, groups: withAuthenticatedGroup(name, base), subject: { kind: 'User', name } };
}

/**
 * "A member of group G": a user whose only groups are G (and any extra ones) plus
 * `system:authenticated`. The username is empty, which no valid User subject names.
 */
export function groupIdentity(group: string, extraGroups: readonly string[] = []): Identity {
  return { name: '', groups: withAuthenticatedGroup('', unique([group, ...extraGroups])), subject: { kind: 'Group', name: group } };
}

export function identityOf(subject: SubjectRef, extraGroups: readonly string[] = []): Identity {
  switch (subject.kind) {
    case 'User':
      return userIdentity(subject.name, extraGroups);
    case 'Group':
      return groupIdentity(subject.name, extraGroups);
    case 'ServiceAccount':
      return serviceAccountIdentity(subject.namespace ?? '', subject.name, extraGroups);
  }
}

export const SUBJECT_SYNTAX = 'User:NAME, Group:NAME, ServiceAccount:NAMESPACE:NAME or system:serviceaccount:NAMESPACE:NAME';

/** Parses the SUBJECT argument of `rbac can`. */
export function parseSubject(text: string): SubjectRef {
  const account = parseServiceAccountUsername(text);
  if (account) return { kind: 'ServiceAccount', ...account };
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if ((kind === 'User' || kind === 'Group') && rest) {
    if (kind === 'User') {
      const named = parseServiceAccountUsername(rest);
      if (named) return { kind: 'ServiceAccount', ...named };
    }
    return { kind, name: rest };
  }
  if (kind === 'ServiceAccount') {
    const [namespace, name, extra] = rest.split(':');
    if (namespace && name && extra === undefined) return { kind: 'ServiceAccount', namespace, name };
    throw new InputError(`subject "${text}": a ServiceAccount is ServiceAccount:NAMESPACE:NAME`);
  }
  throw new InputError(`subject "${text}" is not one of ${SUBJECT_SYNTAX}`);
}

/**
 * The subject a binding entry names, as an identity would match it: a ServiceAccount without a
 * namespace takes the binding's, and is undefined (matches nobody) when neither has one. Other
 * kinds than User, Group and ServiceAccount match nobody either.
 */
export function boundSubject(subject: Subject, bindingNamespace: string): SubjectRef | undefined {
  switch (subject.kind) {
    case 'User':
    case 'Group':
      return { kind: subject.kind, name: subject.name };
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return namespace ? { kind: 'ServiceAccount', name: subject.name, namespace } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The index key of a subject: ServiceAccounts are keyed by their username, because a `User` subject
 * named `system:serviceaccount:NS:NAME` matches that ServiceAccount exactly as a ServiceAccount subject does.
 */
export function subjectKey(subject: SubjectRef): string {
  switch (subject.kind) {
    case 'User':
      return `u\u0000${subject.name}`;
    case 'Group':
      return `g\u0000${subject.name}`;
    case 'ServiceAccount':
      return `u\u0000${serviceAccountUsername(subject.namespace ?? '', subject.name)}`;
  }
}

/**
 * Values by subject as displayed (`displayKey`: kind, namespace, name; a `User system:serviceaccount:…`
 * stays a User), keyed by the subject's own strings: no key built per lookup. Iterates nothing: keep
 * an array beside it where order matters.
 */
export class SubjectMap<V> {
  private readonly byKind = new Map<string, Map<string, Map<string, V>>>();

  get(subject: SubjectRef): V | undefined {
    return this.byKind.get(subject.kind)?.get(subject.namespace ?? '')?.get(subject.name);
  }

  set(subject: SubjectRef, value: V): void {
    let byNamespace = this.byKind.get(subject.kind);
    if (!byNamespace) this.byKind.set(subject.kind, (byNamespace = new Map()));
    const namespace = subject.namespace ?? '';
    let byName = byNamespace.get(namespace);
    if (!byName) byNamespace.set(namespace, (byName = new Map()));
    byName.set(subject.name, value);
  }
}

/** `ServiceAccount shop/ci`, `User alice`, `Group devs`. */
export function describeSubject(subject: SubjectRef): string {
  return subject.kind === 'ServiceAccount' ? `ServiceAccount ${subject.namespace}/${subject.name}` : `${subject.kind} ${subject.name}`;
}

/** The subject as CLI arguments spell it (round-trips through parseSubject). */
export function subjectArgument(subject: SubjectRef): string {
  return subject.kind === 'ServiceAccount' ? `ServiceAccount:${subject.namespace}:${subject.name}` : `${subject.kind}:${subject.name}`;
}

export function subjectJson(subject: SubjectRef): SubjectRef {
  return subject.kind === 'ServiceAccount' ? { kind: subject.kind, name: subject.name, namespace: subject.namespace } : { kind: subject.kind, name: subject.name };
}
