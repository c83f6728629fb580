/**
 * What a subject can do in one version of the sources and could not in the other, decided by the
 * authorizer itself: every request a granted rule allows in its scope (each verb, API group,
 * resource and name it lists, `*` included as written) is put to the other version's engine with the
 * subject's full identity (its groups count there). "ServiceAccount checkout/tracing can now list
 * secrets cluster-wide", never "the ClusterRole changed".
 */
import type { RequestAttributes } from './authorizer.js';
import type { Grant, RbacEngine } from './engine.js';
import { bindingRefJson, roleRefJson, type PolicyRule, type RefJson } from './model.js';
import { attributesFor } from './permissions.js';
import { displayKey } from './engine.js';
import { identityOf, type SubjectRef } from './subject.js';

/** One request a subject may make in one version only, and the binding and role that allow it there. */
export interface PermissionChange {
  request: RequestAttributes;
  binding: RefJson;
  role: RefJson;
}

export interface SubjectPermissionChanges {
  subject: SubjectRef;
  /** Allowed now, not before. */
  gained: PermissionChange[];
  /** Allowed before, not now. */
  lost: PermissionChange[];
}

/** Every request a rule allows, spelled out: verbs × (API groups × resources × names, or non-resource URLs). */
function requestsOf(rule: PolicyRule, namespace: string): RequestAttributes[] {
  const requests: RequestAttributes[] = [];
  for (const verb of rule.verbs) {
    for (const group of rule.resources.length ? rule.apiGroups : []) {
      for (const resource of rule.resources) {
        for (const name of rule.resourceNames.length ? rule.resourceNames : ['']) requests.push(attributesFor(verb, { group, resource }, namespace, name));
      }
    }
    for (const path of rule.nonResourceURLs) requests.push({ verb, path, namespace: '' });
  }
  return requests;
}

function requestKey(request: RequestAttributes): string {
  return [request.verb, request.apiGroup ?? '', request.resource ?? '', request.subresource ?? '', request.name ?? '', request.path ?? '', request.namespace ?? ''].join('\u0000');
}

/** Requests the subject's own bindings allow in `from` that `to` refuses it. */
function onlyIn(from: RbacEngine, to: RbacEngine, subject: SubjectRef): PermissionChange[] {
  const identity = identityOf(subject);
  const changes = new Map<string, PermissionChange>();
  for (const grant of from.directGrantsOf(subject) as Grant[]) {
    if (!grant.role) continue;
    for (const rule of grant.role.rules) {
      for (const request of requestsOf(rule, grant.namespace)) {
        const key = requestKey(request);
        if (changes.has(key) || to.can(identity, request).allowed) continue;
        changes.set(key, { request, binding: bindingRefJson(grant.binding), role: roleRefJson(grant.role) });
      }
    }
  }
  return [...changes.values()];
}

/** Per subject bound in either version: what it gained and what it lost. Subjects without a change are left out. */
export function permissionChanges(before: RbacEngine, after: RbacEngine): SubjectPermissionChanges[] {
  const subjects = new Map<string, SubjectRef>();
  for (const subject of [...after.boundSubjects(), ...before.boundSubjects()]) if (!subjects.has(displayKey(subject))) subjects.set(displayKey(subject), subject);
  const changes: SubjectPermissionChanges[] = [];
  for (const subject of subjects.values()) {
    const gained = onlyIn(after, before, subject);
    const lost = onlyIn(before, after, subject);
    if (gained.length || lost.length) changes.push({ subject, gained, lost });
  }
  return changes;
}

/**
 * Changes grouped for reading: one line per binding and scope, resources with their verbs,
 * `get,list,watch secrets; create pods/exec cluster-wide via ClusterRoleBinding x → ClusterRole y`.
 */
export function describePermissionChanges(changes: readonly PermissionChange[]): string[] {
  const byVia = new Map<string, Map<string, string[]>>();
  for (const { request, binding, role } of changes) {
    const scope = request.path !== undefined ? 'cluster-wide' : request.namespace ? `in namespace ${request.namespace}` : 'cluster-wide';
    const via = `${scope} via ${binding.kind} ${binding.namespace ? `${binding.namespace}/` : ''}${binding.name} → ${role.kind} ${role.namespace ? `${role.namespace}/` : ''}${role.name}`;
    const what =
      request.path !== undefined
        ? request.path
        : `${request.resource}${request.subresource ? `/${request.subresource}` : ''}${request.apiGroup ? `.${request.apiGroup}` : ''}${request.name ? ` named ${request.name}` : ''}`;
    const resources = byVia.get(via) ?? new Map<string, string[]>();
    resources.set(what, [...(resources.get(what) ?? []), request.verb]);
    byVia.set(via, resources);
  }
  return [...byVia].map(([via, resources]) => `${[...resources].map(([what, verbs]) => `${verbs.join(',')} ${what}`).join('; ')} ${via}`);
}
