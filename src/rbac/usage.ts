/**
 * Held against used: what a subject's bindings grant, broken down into single permissions (one verb
 * on one resource of one API group, with at most one name, or one verb on one non-resource URL, in
 * one scope: cluster-wide or a namespace), each marked used when it allows an observed request. The
 * unused ones, risky first, are what least privilege takes away.
 *
 * The breakdown is upstream's BreakdownRule (component-helpers auth/rbac/validation): a rule with
 * verbs [get, list] on [pods, secrets] is four permissions. A `*` stays one permission (`* on *`).
 */
import { severityRank, type Severity } from '../core/severity.js';
import { ruleAllows } from './authorizer.js';
import { isBootstrapObject } from './builtin-roles.js';
import type { Grant, RbacEngine } from './engine.js';
import type { PolicyRule, RoleDef } from './model.js';
import type { ObservedRequest } from './observed.js';
import { attributesFor } from './permissions.js';
import { evaluateRisk, PRIVILEGED_NAMESPACES, riskCatalogue, type RiskDefinition, type RiskOptions } from './risks.js';
import { SYSTEM_MASTERS, type Identity, type SubjectRef } from './subject.js';

export interface PermissionRisk {
  risk: RiskDefinition;
  severity: Severity;
}

export interface HeldPermission {
  /** One verb, and one API group and resource (with at most one name) or one non-resource URL. */
  rule: PolicyRule;
  /** `''`: cluster-wide (a ClusterRoleBinding); else the namespace of the RoleBinding. */
  namespace: string;
  /** Every binding that grants it, with its role. */
  grants: Grant[];
  risks: PermissionRisk[];
  /** How many observed requests it allows (0: unused). */
  requests: number;
}

export interface UsageDiff {
  subject: SubjectRef;
  /** Unused first (the riskiest first), then used (most requests first). */
  held: HeldPermission[];
  used: number;
  /** Observed requests no binding of the sources allows (denied, or allowed by something the sources do not hold). */
  notHeld: ObservedRequest[];
  /** Requests the log shows denied that the sources allow: the sources are not the cluster the log came from. */
  deniedButAllowed: ObservedRequest[];
  /** The subject is in system:masters: allowed everything before RBAC. */
  privileged: boolean;
}

export interface UsageOptions extends RiskOptions {}

interface Tuple {
  rule: PolicyRule;
  namespace: string;
  grants: Grant[];
  /** The role rules it was broken down from, per binding: a risk matched on such a rule applies to it. */
  sources: Set<PolicyRule>;
}

const single = (fields: Partial<PolicyRule>): PolicyRule => ({ verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [], ...fields });

/** BreakdownRule: one PolicyRule per verb × group × resource × name, and per verb × non-resource URL. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        if (rule.resourceNames.length === 0) out.push(single({ verbs: [verb], apiGroups: [group], resources: [resource] }));
        for (const name of rule.resourceNames) out.push(single({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] }));
      }
    }
    for (const url of rule.nonResourceURLs) out.push(single({ verbs: [verb], nonResourceURLs: [url] }));
  }
  return out;
}

const tupleKey = (rule: PolicyRule, namespace: string) => JSON.stringify([namespace, rule.verbs[0], rule.apiGroups, rule.resources, rule.resourceNames, rule.nonResourceURLs]);

function heldTuples(grants: readonly Grant[]): Tuple[] {
  const tuples = new Map<string, Tuple>();
  for (const grant of grants) {
    for (const rule of grant.role.rules) {
      for (const part of breakdownRule(rule)) {
        // A RoleBinding never grants a non-resource URL: those requests carry no namespace.
        if (part.nonResourceURLs.length && grant.namespace !== '') continue;
        const key = tupleKey(part, grant.namespace);
        let tuple = tuples.get(key);
        if (!tuple) tuples.set(key, (tuple = { rule: part, namespace: grant.namespace, grants: [], sources: new Set() }));
        if (!tuple.grants.includes(grant)) tuple.grants.push(grant);
        tuple.sources.add(rule);
      }
    }
  }
  return [...tuples.values()];
}

function severityIn(risk: RiskDefinition, tuple: Tuple): Severity {
  const reachesCluster = tuple.namespace === '' || PRIVILEGED_NAMESPACES.includes(tuple.namespace);
  const severity = reachesCluster ? risk.severity.cluster : risk.severity.namespace;
  if (tuple.rule.resourceNames.length && risk.namedSeverity && severityRank(risk.namedSeverity) > severityRank(severity)) return risk.namedSeverity;
  return severity;
}

/**
 * The risks of the catalogue each permission carries: alone (so `get secrets` is a risk even beside
 * `list secrets`, which the catalogue would report instead), or as a part of a risk that needs several
 * permissions together (create and approve certificate requests).
 */
function risksOf(tuples: readonly Tuple[], grants: readonly Grant[], subject: SubjectRef, options: UsageOptions): Map<Tuple, PermissionRisk[]> {
  const catalogue = riskCatalogue(options);
  const found = new Map<Tuple, Map<string, PermissionRisk>>();
  const add = (tuple: Tuple, risk: RiskDefinition) => {
    const byId = found.get(tuple) ?? new Map<string, PermissionRisk>();
    found.set(tuple, byId);
    const severity = severityIn(risk, tuple);
    const existing = byId.get(risk.id);
    if (!existing || severityRank(severity) < severityRank(existing.severity)) byId.set(risk.id, { risk, severity });
  };
  for (const tuple of tuples) {
    const role: RoleDef = { kind: 'ClusterRole', name: '', rules: [tuple.rule], labels: {}, builtin: false };
    const alone: Grant[] = [{ binding: tuple.grants[0].binding, role, namespace: tuple.namespace }];
    for (const risk of catalogue) if (evaluateRisk(risk, subject, alone)) add(tuple, risk);
  }
  for (const risk of catalogue) {
    if ((risk.requires?.length ?? 0) < 2) continue;
    const hit = evaluateRisk(risk, subject, grants);
    for (const match of hit?.matches ?? []) {
      for (const tuple of tuples) {
        if (!tuple.sources.has(match.rule) || !tuple.grants.includes(match.grant)) continue;
        if (ruleAllows(attributesFor(match.verb, match.resource, '', tuple.rule.resourceNames[0] ?? ''), tuple.rule)) add(tuple, risk);
      }
    }
  }
  return new Map([...found].map(([tuple, byId]) => [tuple, [...byId.values()].sort((a, b) => severityRank(a.severity) - severityRank(b.severity))]));
}

/** 0 for a critical risk, … ; permissions without a risk last. */
const topRank = (permission: HeldPermission) => (permission.risks.length ? severityRank(permission.risks[0].severity) : Number.MAX_SAFE_INTEGER);

function describeKey(permission: HeldPermission): string {
  const { rule } = permission;
  return [permission.namespace, rule.apiGroups[0] ?? '', rule.resources[0] ?? rule.nonResourceURLs[0] ?? '', rule.resourceNames[0] ?? '', rule.verbs[0]].join('\u0000');
}

/** What the subject holds through the sources' bindings, against the requests it made. */
export function usageDiff(engine: RbacEngine, identity: Identity, subject: SubjectRef, requests: readonly ObservedRequest[], options: UsageOptions = {}): UsageDiff {
  const grants = engine.grantsFor(identity).filter((grant) => grant.role && (options.includeDefaults || !isBootstrapObject(grant.binding.object.metadata.labels)));
  const tuples = heldTuples(grants);
  const risks = risksOf(tuples, grants, subject, options);
  const held: HeldPermission[] = tuples.map((tuple) => {
    let count = 0;
    for (const request of requests) {
      const inScope = tuple.namespace === '' || tuple.namespace === request.attributes.namespace;
      if (inScope && ruleAllows(request.attributes, tuple.rule)) count += request.allowed + request.denied;
    }
    return { rule: tuple.rule, namespace: tuple.namespace, grants: tuple.grants, risks: risks.get(tuple) ?? [], requests: count };
  });
  held.sort((a, b) => {
    if ((a.requests === 0) !== (b.requests === 0)) return a.requests === 0 ? -1 : 1;
    if (a.requests === 0) return topRank(a) - topRank(b) || (describeKey(a) < describeKey(b) ? -1 : 1);
    return b.requests - a.requests || (describeKey(a) < describeKey(b) ? -1 : 1);
  });
  const notHeld: ObservedRequest[] = [];
  const deniedButAllowed: ObservedRequest[] = [];
  for (const request of requests) {
    const allowed = engine.can(identity, request.attributes).allowed;
    if (!allowed) notHeld.push(request);
    else if (request.allowed === 0) deniedButAllowed.push(request);
  }
  return { subject, held, used: held.filter((permission) => permission.requests > 0).length, notHeld, deniedButAllowed, privileged: identity.groups.includes(SYSTEM_MASTERS) };
}
