import { Inventory } from '../../src/core/inventory.js';
import type { KubeObject } from '../../src/core/object.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { buildEngine, type EngineOptions, type RbacEngine } from '../../src/rbac/engine.js';
import type { PolicyRule } from '../../src/rbac/model.js';

/** upstream's newRule(verbs, apiGroups, resources, nonResourceURLs): comma-separated lists, as in rbac_test.go. */
export function newRule(verbs: string, apiGroups: string, resources: string, nonResourceURLs: string): Record<string, string[]> {
  return { verbs: verbs.split(','), apiGroups: apiGroups.split(','), resources: resources.split(','), nonResourceURLs: nonResourceURLs.split(',') };
}

/** A PolicyRule with the lists given (absent lists empty), for direct RuleAllows tests. */
export function rule(fields: Partial<PolicyRule>): PolicyRule {
  return { verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [], ...fields };
}

const RBAC = 'rbac.authorization.k8s.io/v1';

export function clusterRole(name: string, rules: unknown[], extra: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name }, rules, ...extra };
}

export function role(namespace: string, name: string, rules: unknown[]): KubeObject {
  return { apiVersion: RBAC, kind: 'Role', metadata: { name, namespace }, rules };
}

/** `"User:x"`, `"Group:y"`, `"ServiceAccount:ns:name"` or `"ServiceAccount::name"` (no namespace), as upstream's test helpers spell subjects. */
function subjectsOf(specs: string[]): Record<string, string>[] {
  return specs.map((spec): Record<string, string> => {
    const [kind, ...rest] = spec.split(':');
    if (kind === 'ServiceAccount') {
      const [namespace, name] = [rest[0], rest.slice(1).join(':')];
      return namespace ? { kind, namespace, name } : { kind, name };
    }
    return { kind, name: rest.join(':'), apiGroup: 'rbac.authorization.k8s.io' };
  });
}

let counter = 0;

export function clusterRoleBinding(roleName: string, ...subjects: string[]): KubeObject {
  return { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: `crb-${roleName}-${counter++}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName }, subjects: subjectsOf(subjects) };
}

export function roleBinding(namespace: string, roleName: string, roleKind: 'Role' | 'ClusterRole', ...subjects: string[]): KubeObject {
  return { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: `rb-${roleName}-${counter++}`, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName }, subjects: subjectsOf(subjects) };
}

/** An engine over objects; built-in roles off unless asked, so tests see only what they declare. */
export function engineOf(objects: KubeObject[], options: EngineOptions = { builtinRoles: 'never' }): RbacEngine {
  return buildEngine(Inventory.of(objects), options);
}

export function engineOfYaml(yaml: string, options: EngineOptions = { builtinRoles: 'never' }): RbacEngine {
  return buildEngine(inventoryFromText(yaml).inventory, options);
}
