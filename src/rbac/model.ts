import { apiGroupOf, describeRef, isRecord, type KubeObject } from '../core/object.js';
import type { LabelSelector } from '../core/selector.js';

/** The RBAC API group; Roles and bindings of any other group (a CRD that happens to be called `Role`) are not RBAC. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** rbacv1.PolicyRule with every list present: an absent list and an empty one mean the same after JSON. */
export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

/** rbacv1.Subject. `apiGroup` is kept for display only: upstream matching ignores it. */
export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  kind: string;
  name: string;
  apiGroup?: string;
}

export type RoleKind = 'Role' | 'ClusterRole';
export type BindingKind = 'RoleBinding' | 'ClusterRoleBinding';

/** A Role or ClusterRole as the engine sees it: rules final (aggregation applied), source object kept for findings. */
export interface RoleDef {
  kind: RoleKind;
  name: string;
  /** Roles only. */
  namespace?: string;
  rules: PolicyRule[];
  labels: Record<string, string>;
  /** ClusterRoles with an aggregationRule: its selectors (ORed). `null` entries match nothing, as upstream. */
  aggregationSelectors?: (LabelSelector | null)[];
  /** The object from the inventory; undefined for an assumed built-in role. */
  object?: KubeObject;
  /** An assumed Kubernetes built-in role (the inventory did not carry the cluster's own roles). */
  builtin: boolean;
}

export interface BindingDef {
  kind: BindingKind;
  name: string;
  /** RoleBindings only. */
  namespace?: string;
  roleRef: RoleRef | undefined;
  subjects: Subject[];
  object: KubeObject;
  /** Position among all bindings, so queries report in the order the API server visits them. */
  ordinal: number;
}

/** `{kind, name, namespace?}` as JSON outputs name a binding or role. */
export interface RefJson {
  kind: string;
  name: string;
  namespace?: string;
}

const RBAC_API_VERSION_PREFIX = `${RBAC_GROUP}/`;

export function isRbacObject(object: KubeObject, kind: string): boolean {
  // apiGroupOf(apiVersion) === RBAC_GROUP, without slicing the group out of every object's apiVersion.
  return object.kind === kind && object.apiVersion.startsWith(RBAC_API_VERSION_PREFIX);
}

/** Tolerant read of a string list: manifests are user input, and a scalar where a list belongs must not crash the engine. */
function strings(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  // A list of strings (nearly always) is copied as it is, at its own length.
  for (const item of value) if (typeof item !== 'string') return value.filter((entry) => entry !== null && entry !== undefined).map(String);
  return value.slice();
}

export function parseRule(value: unknown): PolicyRule {
  const rule = isRecord(value) ? value : {};
  return {
    verbs: strings(rule.verbs),
    apiGroups: strings(rule.apiGroups),
    resources: strings(rule.resources),
    resourceNames: strings(rule.resourceNames),
    nonResourceURLs: strings(rule.nonResourceURLs),
  };
}

export function parseRules(value: unknown): PolicyRule[] {
  return Array.isArray(value) ? value.map(parseRule) : [];
}

/** An aggregationRule's selectors (ORed); a selector that is not an object selects nothing, as upstream. */
export function aggregationSelectorsOf(aggregationRule: Record<string, unknown>): (LabelSelector | null)[] {
  const selectors = aggregationRule.clusterRoleSelectors;
  return Array.isArray(selectors) ? selectors.map((selector) => (isRecord(selector) ? (selector as LabelSelector) : null)) : [];
}

export function parseRole(object: KubeObject): RoleDef {
  const kind = object.kind as RoleKind;
  const role: RoleDef = {
    kind,
    name: object.metadata.name ?? '',
    rules: parseRules(object.rules),
    labels: { ...(object.metadata.labels ?? {}) },
    object,
    builtin: false,
  };
  if (kind === 'Role' && object.metadata.namespace) role.namespace = object.metadata.namespace;
  const aggregationRule = object.aggregationRule;
  if (kind === 'ClusterRole' && isRecord(aggregationRule)) {
    role.aggregationSelectors = aggregationSelectorsOf(aggregationRule);
  }
  return role;
}

export function parseBinding(object: KubeObject, ordinal: number): BindingDef {
  const binding: BindingDef = {
    kind: object.kind as BindingKind,
    name: object.metadata.name ?? '',
    roleRef: undefined,
    subjects: [],
    object,
    ordinal,
  };
  if (binding.kind === 'RoleBinding' && object.metadata.namespace) binding.namespace = object.metadata.namespace;
  const roleRef = object.roleRef;
  if (isRecord(roleRef) && typeof roleRef.kind === 'string' && typeof roleRef.name === 'string') {
    binding.roleRef = { kind: roleRef.kind, name: roleRef.name };
    if (typeof roleRef.apiGroup === 'string') binding.roleRef.apiGroup = roleRef.apiGroup;
  }
  if (Array.isArray(object.subjects)) {
    for (const entry of object.subjects) {
      if (!isRecord(entry) || typeof entry.kind !== 'string' || typeof entry.name !== 'string') continue;
      const subject: Subject = { kind: entry.kind, name: entry.name };
      if (typeof entry.namespace === 'string' && entry.namespace) subject.namespace = entry.namespace;
      if (typeof entry.apiGroup === 'string') subject.apiGroup = entry.apiGroup;
      binding.subjects.push(subject);
    }
  }
  return binding;
}

/** A rule as JSON outputs show it: only the lists that are set. */
export function ruleJson(rule: PolicyRule): Record<string, string[]> {
  const json: Record<string, string[]> = { verbs: rule.verbs };
  if (rule.apiGroups.length) json.apiGroups = rule.apiGroups;
  if (rule.resources.length) json.resources = rule.resources;
  if (rule.resourceNames.length) json.resourceNames = rule.resourceNames;
  if (rule.nonResourceURLs.length) json.nonResourceURLs = rule.nonResourceURLs;
  return json;
}

/** A rule in one line for humans: `get,list secrets` / `get /healthz`. */
export function describeRule(rule: PolicyRule): string {
  const verbs = rule.verbs.join(',');
  const parts: string[] = [];
  if (rule.resources.length) {
    const groups = rule.apiGroups.map((group) => (group === '' ? 'core' : group)).join(',');
    const names = rule.resourceNames.length ? ` named ${rule.resourceNames.join(',')}` : '';
    parts.push(`${verbs} ${rule.resources.join(',')} (apiGroups ${groups || 'none'})${names}`);
  }
  if (rule.nonResourceURLs.length) parts.push(`${verbs} ${rule.nonResourceURLs.join(',')}`);
  return parts.join('; ') || `${verbs} (no resources)`;
}

export function roleRefJson(role: { kind: string; name: string; namespace?: string }): RefJson {
  return role.namespace ? { kind: role.kind, name: role.name, namespace: role.namespace } : { kind: role.kind, name: role.name };
}

export function bindingRefJson(binding: BindingDef): RefJson {
  return binding.namespace ? { kind: binding.kind, name: binding.name, namespace: binding.namespace } : { kind: binding.kind, name: binding.name };
}

/** `ClusterRoleBinding fta-reader` / `RoleBinding shop/ci`: the one way objects are printed (describeRef). */
export function describeRbacRef(ref: RefJson): string {
  return describeRef({ apiVersion: `${RBAC_GROUP}/v1`, ...ref });
}

/** `*` in the verbs, the resources, or the API groups of a resource rule. */
export function isWildcardRule(rule: PolicyRule): boolean {
  return rule.verbs.includes('*') || rule.resources.includes('*') || (rule.resources.length > 0 && rule.apiGroups.includes('*'));
}

/** A rule's identity for deduplication (the aggregation controller's semantic DeepEqual). */
export function ruleKey(rule: PolicyRule): string {
  return JSON.stringify([rule.verbs, rule.apiGroups, rule.resources, rule.resourceNames, rule.nonResourceURLs]);
}
