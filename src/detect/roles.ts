import { isRecord } from '../core/object.js';
import { selectorMatches, type LabelSelector } from '../core/selector.js';
import { aggregateClusterRoles } from '../rbac/aggregation.js';
import { builtinRoles } from '../rbac/builtin-roles.js';
import { parseRules, type PolicyRule } from '../rbac/model.js';
import { risksOfRules as rbacRisksOfRules } from '../rbac/reach.js';
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

/** A ClusterRole as the log last showed it: its labels and rules (what a later patch changes). */
export interface LearnedClusterRole {
  labels: Record<string, string>;
  rules: unknown[];
}

export class RoleIndex {
  private readonly roles: BoundedMap<string[]>;
  private readonly clusterRoles: BoundedMap<LearnedClusterRole>;
  constructor(max: number) {
    this.roles = new BoundedMap(max);
    this.clusterRoles = new BoundedMap(max);
  }

  /** The labels and rules of a ClusterRole as last created, updated or patched in the log. */
  clusterRole(name: string): LearnedClusterRole | undefined {
    return this.clusterRoles.peek(name);
  }

  /** A role's key: `Role/<namespace>/<name>`, `ClusterRole//<name>`. */
  static key(kind: string, namespace: string | undefined, name: string): string {
    return `${kind}/${kind === 'Role' ? (namespace ?? '') : ''}/${name}`;
  }

  roleRisks(kind: string, namespace: string | undefined, name: string): readonly string[] | undefined {
    return this.roles.peek(RoleIndex.key(kind, namespace, name));
  }

  /** roleRisks by the role's key (RoleIndex.key). */
  risksByKey(key: string): readonly string[] | undefined {
    return this.roles.peek(key);
  }

  /** What a role grants, as worked out beyond its own rules (an aggregated ClusterRole fed by another). */
  setRisks(kind: string, namespace: string | undefined, name: string, risks: string[]): void {
    this.roles.set(RoleIndex.key(kind, namespace, name), risks);
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
      if (kind === 'ClusterRole') this.clusterRoles.delete(name);
      return;
    }
    if (!isRecord(body) || !['create', 'update', 'patch'].includes(String(raw.verb))) return;
    this.roles.set(RoleIndex.key(kind, namespace, name), risksOfRules(body.rules));
    if (kind === 'ClusterRole') this.clusterRoles.set(name, { labels: labelsOf(body), rules: Array.isArray(body.rules) ? body.rules : [] });
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

// ---- aggregation: a ClusterRole whose labels feed an aggregated ClusterRole -------------------------

/** An aggregated ClusterRole (one with an aggregationRule): its selectors and the rules it has now. */
export interface AggregatedClusterRole {
  name: string;
  selectors: readonly (LabelSelector | null)[];
  rules: readonly PolicyRule[];
}

/** Kubernetes' own aggregated ClusterRoles (admin, edit, view) with the rules they ship with. */
export const BUILTIN_AGGREGATED_ROLES: readonly AggregatedClusterRole[] = (() => {
  const clusterRoles = builtinRoles().filter((role) => role.kind === 'ClusterRole');
  const aggregated = aggregateClusterRoles(clusterRoles).rules;
  return clusterRoles
    .filter((role) => role.aggregationSelectors !== undefined)
    .map((role) => ({ name: role.name, selectors: role.aggregationSelectors ?? [], rules: aggregated.get(role.name) ?? [] }));
})();

function labelsOf(object: Record<string, unknown>): Record<string, string> {
  const labels = isRecord(object.metadata) ? object.metadata.labels : undefined;
  const out: Record<string, string> = {};
  if (isRecord(labels)) for (const [key, value] of Object.entries(labels)) if (typeof value === 'string') out[key] = value;
  return out;
}

/** The aggregated ClusterRoles whose aggregationRule selects these labels, by name. */
export function aggregationTargets(labels: Readonly<Record<string, string>>, aggregated: readonly AggregatedClusterRole[]): AggregatedClusterRole[] {
  return aggregated.filter((role) => role.selectors.some((selector) => selector !== null && selectorMatches(selector, labels)));
}

/** The risk ids of the RBAC engine (`rbac-read-secrets`, `rbac-pod-exec`, …) rules carry when held cluster-wide. */
export function rbacRiskIds(rules: readonly PolicyRule[]): Set<string> {
  return new Set(rbacRisksOfRules([...rules]).map((hit) => hit.risk.id));
}

const targetRiskCache = new WeakMap<AggregatedClusterRole, Set<string>>();

/** What an aggregated ClusterRole grants already (computed once per role). */
function targetRisks(target: AggregatedClusterRole): Set<string> {
  let risks = targetRiskCache.get(target);
  if (!risks) targetRiskCache.set(target, (risks = rbacRiskIds(target.rules)));
  return risks;
}

/**
 * What a ClusterRole grants as the RBAC engine rates it, `rbac-*` risk ids: those of its own rules
 * (as if bound cluster-wide), plus what each aggregated ClusterRole it feeds gains by it (`bind`
 * aggregated into `admin`, which already writes bindings, is `rbac-bind`).
 */
export function aggregatedRoleRisks(rules: readonly PolicyRule[], targets: readonly AggregatedClusterRole[]): string[] {
  const risks = rbacRiskIds(rules);
  for (const target of targets) {
    const had = targetRisks(target);
    for (const id of rbacRiskIds([...target.rules, ...rules])) if (!had.has(id)) risks.add(id);
  }
  return [...risks].sort();
}

/** A ClusterRole write as it will be stored: its name, labels and rules, read from the event. */
export interface ClusterRoleWrite {
  name: string;
  labels: Record<string, string>;
  rules: PolicyRule[];
}

const LABELS_POINTER = '/metadata/labels';

/** RFC 6901 unescaping of one reference token. */
function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * The ClusterRole a successful create, update or patch leaves behind: the stored object when the
 * event carries it (responseObject), else the request's body; a patch without the stored object is
 * applied to the role as the log last showed it (merge and strategic merge patches: labels merged,
 * rules replaced; JSON patches: label and rule operations).
 */
export function clusterRoleWrite(raw: Record<string, unknown>, learned: (name: string) => LearnedClusterRole | undefined): ClusterRoleWrite | undefined {
  const ref = raw.objectRef;
  if (!isRecord(ref) || ref.resource !== 'clusterroles' || ref.subresource !== undefined) return undefined;
  const verb = raw.verb;
  if (verb !== 'create' && verb !== 'update' && verb !== 'patch') return undefined;
  const stored = isRecord(raw.responseObject) && raw.responseObject.kind === 'ClusterRole' ? raw.responseObject : undefined;
  const request = raw.requestObject;
  const body = stored ?? (verb !== 'patch' && isRecord(request) ? request : undefined);
  const metadataName = (object: unknown) => (isRecord(object) && isRecord(object.metadata) && typeof object.metadata.name === 'string' ? object.metadata.name : undefined);
  const name = typeof ref.name === 'string' ? ref.name : metadataName(body);
  if (name === undefined) return undefined;
  if (body) return { name, labels: labelsOf(body), rules: parseRules(body.rules) };
  if (request === undefined) return undefined;
  const before = learned(name);
  const labels: Record<string, string> = { ...(before?.labels ?? {}) };
  let rules: unknown[] = [...(before?.rules ?? [])];
  if (Array.isArray(request)) {
    for (const op of request) {
      if (!isRecord(op) || typeof op.path !== 'string') continue;
      const path = op.path;
      const adds = op.op === 'add' || op.op === 'replace';
      if (path === LABELS_POINTER) {
        if (adds && isRecord(op.value)) Object.assign(labels, labelsOf({ metadata: { labels: op.value } }));
      } else if (path.startsWith(`${LABELS_POINTER}/`)) {
        const key = unescapePointer(path.slice(LABELS_POINTER.length + 1));
        if (adds && typeof op.value === 'string') labels[key] = op.value;
        else if (op.op === 'remove') delete labels[key];
      } else if (path === '/rules') {
        if (adds && Array.isArray(op.value)) rules = [...op.value];
      } else if (path.startsWith('/rules/') && adds && !path.slice('/rules/'.length).includes('/')) {
        rules.push(op.value);
      }
    }
  } else if (isRecord(request)) {
    const patchLabels = isRecord(request.metadata) ? request.metadata.labels : undefined;
    if (isRecord(patchLabels)) {
      for (const [key, value] of Object.entries(patchLabels)) {
        if (typeof value === 'string') labels[key] = value;
        else if (value === null) delete labels[key];
      }
    }
    if (Array.isArray(request.rules)) rules = request.rules;
  }
  return { name, labels, rules: parseRules(rules) };
}
