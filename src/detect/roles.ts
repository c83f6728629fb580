import { isRecord } from '../core/object.js';
import { aggregateClusterRoles } from '../rbac/aggregation.js';
import { builtinRoles } from '../rbac/builtin-roles.js';
import type { AuditEvent } from './audit.js';
import { BoundedMap } from './state.js';

/**
 * What a Role or ClusterRole grants that matters to an attacker, learned from the roles created and
 * updated in the audit log itself, so "a binding to a role that reads Secrets" needs no cluster
 * access: `cluster-admin` (every verb on every resource of every group), `wildcard` (a `*` verb or
 * resource), `secrets` (get/list/watch on secrets), `escalate` (escalate, bind or impersonate).
 */
export function risksOfRules(rules: unknown): string[] {
  if (!Array.isArray(rules)) return [];
  const risks = new Set<string>();
  for (const rule of rules) {
    if (!isRecord(rule)) continue;
    const verbs = Array.isArray(rule.verbs) ? rule.verbs.map(String) : [];
    const resources = Array.isArray(rule.resources) ? rule.resources.map(String) : [];
    const groups = Array.isArray(rule.apiGroups) ? rule.apiGroups.map(String) : [];
    const anyVerb = verbs.includes('*');
    if (anyVerb && resources.includes('*') && groups.includes('*')) risks.add('cluster-admin');
    if (anyVerb || resources.includes('*')) risks.add('wildcard');
    const coreGroup = groups.includes('') || groups.includes('*');
    if (coreGroup && (resources.includes('secrets') || resources.includes('*')) && (anyVerb || verbs.some((v) => v === 'get' || v === 'list' || v === 'watch'))) risks.add('secrets');
    if (anyVerb || verbs.some((v) => v === 'escalate' || v === 'bind' || v === 'impersonate')) risks.add('escalate');
  }
  return [...risks].sort();
}

const ROLE_KINDS: Record<string, string> = { roles: 'Role', clusterroles: 'ClusterRole' };

export class RoleIndex {
  private readonly roles: BoundedMap<string[]>;
  constructor(max: number) {
    this.roles = new BoundedMap(max);
  }

  private static key(kind: string, namespace: string | undefined, name: string): string {
    return `${kind}/${kind === 'Role' ? (namespace ?? '') : ''}/${name}`;
  }

  roleRisks(kind: string, namespace: string | undefined, name: string): readonly string[] | undefined {
    return this.roles.peek(RoleIndex.key(kind, namespace, name));
  }

  /** Learns from a successful create/update/patch/delete of a role (the stored object when logged, else the request's). */
  learn(event: AuditEvent): void {
    const raw = event.raw;
    const ref = raw.objectRef;
    if (!isRecord(ref) || typeof ref.resource !== 'string' || !ROLE_KINDS[ref.resource] || ref.subresource !== undefined) return;
    const status = raw.responseStatus;
    const code = isRecord(status) ? Number(status.code) : NaN;
    if (!(code >= 200 && code < 300)) return;
    const kind = ROLE_KINDS[ref.resource];
    const namespace = typeof ref.namespace === 'string' ? ref.namespace : undefined;
    const body = isRecord(raw.responseObject) && Array.isArray(raw.responseObject.rules) ? raw.responseObject : raw.verb !== 'patch' ? raw.requestObject : undefined;
    const name = typeof ref.name === 'string' ? ref.name : isRecord(body) && isRecord(body.metadata) && typeof body.metadata.name === 'string' ? body.metadata.name : undefined;
    if (!name) return;
    if (raw.verb === 'delete') {
      this.roles.delete(RoleIndex.key(kind, namespace, name));
      return;
    }
    if (!isRecord(body) || !['create', 'update', 'patch'].includes(String(raw.verb))) return;
    this.roles.set(RoleIndex.key(kind, namespace, name), risksOfRules(body.rules));
  }
}

/**
 * What Kubernetes' own ClusterRoles grant (cluster-admin, admin, edit, the controllers' roles…), from
 * the RBAC engine's bootstrap policy with aggregation applied: a binding to one of them needs no
 * role event in the log to be judged.
 */
export const BUILTIN_ROLE_RISKS: ReadonlyMap<string, readonly string[]> = (() => {
  const clusterRoles = builtinRoles().filter((role) => role.kind === 'ClusterRole');
  const aggregated = aggregateClusterRoles(clusterRoles).rules;
  return new Map(clusterRoles.map((role) => [role.name, risksOfRules(aggregated.get(role.name) ?? role.rules)]));
})();
