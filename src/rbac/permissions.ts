/**
 * Permission checks over a set of grants, for risks and escalation paths. A check is a family of
 * requests (any of these verbs on any of these resources), evaluated with `ruleAllows` itself in one
 * scope: cluster-wide (`''`: ClusterRoleBindings only, as a request across all namespaces is) or in
 * one namespace (ClusterRoleBindings plus that namespace's RoleBindings).
 */
import { ruleAllows, type RequestAttributes } from './authorizer.js';
import type { Grant } from './engine.js';
import type { PolicyRule, RoleDef } from './model.js';

/** A resource by API group (`''` is core) and resource, `resource/subresource` for a subresource. */
export interface ResourceSpec {
  group: string;
  resource: string;
}

export interface PermissionCheck {
  /** Any of these verbs. */
  verbs: readonly string[];
  /** On any of these resources. */
  resources: readonly ResourceSpec[];
  /**
   * The names requests carry. Absent: unnamed requests (list, create), which rules limited by
   * resourceNames never allow. A list: requests for these names. `any`: some name, so a rule
   * limited to a few names counts (its names are reported).
   */
  names?: readonly string[] | 'any';
  /**
   * Whether the request carries the namespace: true for namespaced resources and for a namespace
   * object itself (`PATCH /api/v1/namespaces/foo` is in namespace foo); false for cluster-scoped
   * resources, which only ClusterRoleBindings grant.
   */
  namespaced: boolean;
}

export interface CheckMatch {
  grant: Grant;
  rule: PolicyRule;
  verb: string;
  resource: ResourceSpec;
  /** Set when the rule only allows some names. */
  onlyNames?: string[];
}

/** Does a grant count for a request in `namespace` (`''` = cluster-wide)? */
export function grantApplies(grant: Grant, namespace: string): boolean {
  return grant.namespace === '' || (namespace !== '' && grant.namespace === namespace);
}

export function attributesFor(verb: string, resource: ResourceSpec, namespace: string, name = ''): RequestAttributes {
  const slash = resource.resource.indexOf('/');
  return {
    verb,
    apiGroup: resource.group,
    resource: slash < 0 ? resource.resource : resource.resource.slice(0, slash),
    subresource: slash < 0 ? '' : resource.resource.slice(slash + 1),
    namespace,
    name,
  };
}

type RuleHit = Omit<CheckMatch, 'grant'>;

/**
 * Which rules of a role satisfy a check does not depend on the namespace (RuleAllows never reads
 * it; scope is decided by which bindings count), so it is computed once per role and check.
 */
const hitsByRole = new WeakMap<RoleDef, Map<PermissionCheck, RuleHit[]>>();

function roleHits(role: RoleDef, check: PermissionCheck): RuleHit[] {
  let byCheck = hitsByRole.get(role);
  if (!byCheck) {
    byCheck = new Map();
    hitsByRole.set(role, byCheck);
  }
  let hits = byCheck.get(check);
  if (!hits) {
    hits = [];
    for (const rule of role.rules) {
      const hit = firstHit(rule, check);
      if (hit) hits.push({ rule, ...hit });
    }
    byCheck.set(check, hits);
  }
  return hits;
}

/** Whether some rule of the role satisfies the check (in whatever scope the role is granted). */
export function roleSatisfies(role: RoleDef, check: PermissionCheck): boolean {
  return roleHits(role, check).length > 0;
}

/** Every (grant, rule, verb, resource) that satisfies the check in the scope. Empty: the check fails. */
export function matchCheck(grants: readonly Grant[], check: PermissionCheck, namespace: string): CheckMatch[] {
  const scope = check.namespaced ? namespace : '';
  const matches: CheckMatch[] = [];
  for (const grant of grants) {
    if (!grantApplies(grant, scope)) continue;
    for (const hit of roleHits(grant.role, check)) matches.push({ grant, ...hit });
  }
  return matches;
}

/** Whether the check holds in the scope: matchCheck without building the evidence. */
export function checkHolds(grants: readonly Grant[], check: PermissionCheck, namespace: string): boolean {
  const scope = check.namespaced ? namespace : '';
  for (const grant of grants) if (grantApplies(grant, scope) && roleSatisfies(grant.role, check)) return true;
  return false;
}

function firstHit(rule: PolicyRule, check: PermissionCheck): Omit<CheckMatch, 'grant' | 'rule'> | undefined {
  for (const verb of check.verbs) {
    if (!rule.verbs.includes(verb) && !rule.verbs.includes('*')) continue;
    for (const resource of check.resources) {
      const names = check.names === 'any' ? [rule.resourceNames[0] ?? ''] : (check.names ?? ['']);
      for (const name of names) {
        if (!ruleAllows(attributesFor(verb, resource, '', name), rule)) continue;
        const hit: Omit<CheckMatch, 'grant' | 'rule'> = { verb, resource };
        if (rule.resourceNames.length) hit.onlyNames = rule.resourceNames;
        return hit;
      }
    }
  }
  return undefined;
}

/** The namespaces a set of grants reaches through RoleBindings (where a namespace-scoped check can hold). */
export function grantNamespaces(grants: readonly Grant[]): string[] {
  return [...new Set(grants.filter((grant) => grant.namespace !== '').map((grant) => grant.namespace))].sort();
}

export const core = (resource: string): ResourceSpec => ({ group: '', resource });
export const inGroup = (group: string, ...resources: string[]): ResourceSpec[] => resources.map((resource) => ({ group, resource }));
