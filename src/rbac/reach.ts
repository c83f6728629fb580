/**
 * What a grant is worth to someone about to install it, and what a ServiceAccount token can reach.
 *
 * Severity follows scope. A risk's catalogue severity says how bad the permission is cluster-wide
 * and in one namespace; here it is placed on the install's scale, where `critical` is reserved for
 * the attack pattern (a grant that hides itself, a token in a container that shows exfiltration):
 * - a powerful grant on its own is at most `high` (ingress controllers and cert-manager read every
 *   Secret for a living);
 * - inside the subject's own namespace, one level lower;
 * - limited by `resourceNames` to objects the sources themselves create, one level lower;
 * - a wildcard only over custom API groups (`*` on `kyverno.io` resources) is `low`;
 * - an escalation path that starts with the risk and leaves the namespace makes it `high`; one that
 *   stays inside the namespace (it becomes a powerful account of the same release) does not.
 */
import type { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import { tokenHolders } from '../core/tokens.js';
import { hasControllerIn, WORKLOAD_KINDS } from '../core/workload.js';
import { KNOWN_RESOURCES } from '../core/resources.js';
import { severityRank, type Severity } from '../core/severity.js';
import { aggregateClusterRoles } from './aggregation.js';
import { builtinRoles, isBootstrapObject } from './builtin-roles.js';
import { appendTo, type Grant, type RbacEngine } from './engine.js';
import { escalationPathFor, type EscalationOptions, type EscalationPath } from './escalation.js';
import { checkHolds, grantNamespaces, matchCheck, type CheckMatch } from './permissions.js';
import * as P from './primitives.js';
import type { BindingDef, PolicyRule, RoleDef } from './model.js';
import { catalogueHits, evaluateRisk, PRIVILEGED_NAMESPACES, riskCatalogue, type RiskDefinition, type RiskHit } from './risks.js';
import type { SubjectRef } from './subject.js';

const ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export function lowerSeverity(severity: Severity): Severity {
  return ORDER[Math.max(0, ORDER.indexOf(severity) - 1)];
}

export function worstSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) <= severityRank(b) ? a : b;
}

function atMost(severity: Severity, cap: Severity): Severity {
  return severityRank(severity) < severityRank(cap) ? cap : severity;
}

export interface ScopedSeverity {
  severity: Severity;
  /** Why it is lower or higher than the catalogue says, in words: `only in its own namespace`. */
  notes: string[];
}

/** A risk hit on the install's scale (see the module comment). */
export function scopedSeverity(hit: RiskHit, inventory: Inventory): ScopedSeverity {
  const { risk, subject } = hit;
  const notes: string[] = [];
  const reachesCluster = hit.clusterWide || hit.namespaces.some((namespace) => PRIVILEGED_NAMESPACES.includes(namespace));
  let severity = atMost(reachesCluster ? risk.severity.cluster : risk.severity.namespace, 'high');
  if (!reachesCluster && subject.kind === 'ServiceAccount' && hit.namespaces.every((namespace) => namespace === subject.namespace)) {
    severity = lowerSeverity(severity);
    notes.push('only in its own namespace');
  }
  const named = hit.matches.length > 0 && hit.matches.every((match) => match.onlyNames);
  if (named && risk.namedSeverity) severity = severityRank(severity) < severityRank(risk.namedSeverity) ? risk.namedSeverity : severity;
  else if (named && hit.matches.every((match) => namesOwnObjects(match, inventory))) {
    severity = lowerSeverity(severity);
    notes.push(`only ${describeNames(hit.matches)}, which the sources create`);
  }
  if (risk.id === 'rbac-wildcard' && hit.matches.every((match) => onlyCustomGroups(match))) {
    severity = 'low';
    notes.push(`only custom resources of ${[...new Set(hit.matches.flatMap((match) => match.rule.apiGroups))].join(', ')}`);
  }
  const path = hit.path;
  if (path?.goal === 'cluster-admin' && path.steps.length > 1 && risk.primitives?.includes(path.steps[0].primitive) && subject.kind === 'ServiceAccount' && subject.namespace) {
    if (pathLeavesNamespace(path, subject.namespace)) {
      severity = worstSeverity(severity, 'high');
      notes.push('starts a path to cluster-admin');
    } else notes.push('its path to cluster-admin stays inside its namespace (through an account of the same namespace)');
  }
  return { severity, notes };
}

/** Kubernetes' own API groups: the core group, the unqualified ones, and `*.k8s.io`. */
export function isKubernetesGroup(group: string): boolean {
  return group === '' || group === '*' || ['apps', 'batch', 'autoscaling', 'policy', 'extensions'].includes(group) || group === 'k8s.io' || group.endsWith('.k8s.io');
}

function onlyCustomGroups(match: CheckMatch): boolean {
  return match.rule.apiGroups.length > 0 && match.rule.apiGroups.every((group) => !isKubernetesGroup(group)) && match.rule.nonResourceURLs.length === 0;
}

/** Every name the rule is limited to is an object of the matched resource that the sources create (a namespace they use). */
function namesOwnObjects(match: CheckMatch, inventory: Inventory): boolean {
  const resource = match.resource.resource.split('/')[0];
  const known = KNOWN_RESOURCES[resource];
  const names = match.onlyNames ?? [];
  if (!known?.kind || names.length === 0) return false;
  if (known.kind === 'Namespace') {
    const namespaces = new Set(inventory.namespaces());
    return names.every((name) => namespaces.has(name));
  }
  return names.every((name) => inventory.byKind(known.kind as string).some((object) => object.metadata.name === name));
}

function describeNames(matches: readonly CheckMatch[]): string {
  const names = [...new Set(matches.flatMap((match) => match.onlyNames ?? []))];
  const resources = [...new Set(matches.map((match) => match.resource.resource))];
  return `${resources.join(', ')} named ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}`;
}

/**
 * Whether an escalation path goes beyond `namespace`: through a node, any user, accounts or pods of
 * another (or every) namespace. A path that only becomes other accounts of the same namespace, one
 * of which is powerful, stays inside it.
 */
export function pathLeavesNamespace(path: EscalationPath, namespace: string): boolean {
  const inside = new Set([`any-sa:${namespace}`, `pods:${namespace}`, `token-secrets:${namespace}`]);
  return path.steps.some((step) => {
    const node = step.to;
    if (node.startsWith('goal:') || inside.has(node)) return false;
    if (node.startsWith('s:')) {
      const [kind, subjectNamespace] = node.slice(2).split('\u0000');
      return !(kind === 'ServiceAccount' && subjectNamespace === namespace);
    }
    return true;
  });
}

export type SecretsScope = 'none' | 'named' | 'own-namespace' | 'other-namespaces' | 'cluster';

export interface TokenReach {
  subject: SubjectRef;
  /** How far it reads Secrets directly: list/watch, or get without resourceNames. */
  secrets: SecretsScope;
  /** Where it reads them, when not cluster-wide. */
  secretNamespaces: string[];
  /** Its shortest paths to all Secrets and to cluster-admin. */
  allSecretsPath?: EscalationPath;
  adminPath?: EscalationPath;
  hits: { hit: RiskHit; severity: Severity; notes: string[] }[];
  /** The worst scoped severity of its risks; undefined when it has none. */
  severity?: Severity;
  /** Reads Secrets outside its namespace, directly or through an escalation path. */
  reachesOtherSecrets: boolean;
  /** Reaches other namespaces' Secrets, cluster-admin, or holds a grant that is high on its own. */
  powerful: boolean;
  /** In a developer's words: `can list Secrets in every namespace`. */
  summary: string;
}

/** What the token of a ServiceAccount can do (its grants, those of its groups included), once per engine and account. */
export function tokenReach(engine: RbacEngine, namespace: string, name: string, options: EscalationOptions = {}): TokenReach {
  return engine.cached(`token-reach:${options.execWithGet ?? true}:${namespace}\u0000${name}`, () => {
    const subject: SubjectRef = { kind: 'ServiceAccount', namespace, name };
    const grants = engine.grantsOfServiceAccount(namespace, name).filter((grant) => !isBootstrapObject(grant.binding.object.metadata.labels));
    const adminPath = escalationPathFor(engine, subject, 'cluster-admin', options);
    const allSecretsPath = escalationPathFor(engine, subject, 'all-secrets', options);
    const hits = catalogueHits(engine, subject, grants, options).map((hit) => {
      hit.path = adminPath ?? allSecretsPath;
      return { hit, ...scopedSeverity(hit, engine.inventory) };
    });
    const { scope, namespaces } = secretsScope(grants, namespace);
    const severity = hits.reduce<Severity | undefined>((worst, entry) => (worst ? worstSeverity(worst, entry.severity) : entry.severity), undefined);
    const reachesOtherSecrets = scope === 'cluster' || scope === 'other-namespaces' || allSecretsPath !== undefined;
    return {
      subject,
      secrets: scope,
      secretNamespaces: namespaces,
      allSecretsPath,
      adminPath,
      hits,
      severity,
      reachesOtherSecrets,
      powerful: reachesOtherSecrets || adminPath !== undefined || severity === 'high' || severity === 'critical',
      summary: summarize(scope, namespaces, hits, adminPath, allSecretsPath),
    };
  });
}

function secretsScope(grants: readonly Grant[], own: string): { scope: SecretsScope; namespaces: string[] } {
  const reads = (namespace: string) => checkHolds(grants, P.LIST_SECRETS, namespace) || matchCheck(grants, P.GET_SECRETS, namespace).some((match) => !match.onlyNames);
  if (reads('')) return { scope: 'cluster', namespaces: [] };
  const namespaces = grantNamespaces(grants).filter(reads);
  if (namespaces.some((namespace) => namespace !== own)) return { scope: 'other-namespaces', namespaces };
  if (namespaces.length) return { scope: 'own-namespace', namespaces };
  const named = grantNamespaces(grants).some((namespace) => checkHolds(grants, P.GET_SECRETS, namespace)) || checkHolds(grants, P.GET_SECRETS, '');
  return { scope: named ? 'named' : 'none', namespaces: [] };
}

function summarize(scope: SecretsScope, namespaces: string[], hits: TokenReach['hits'], adminPath?: EscalationPath, allSecretsPath?: EscalationPath): string {
  const everything = hits.find((entry) => entry.hit.risk.id === 'rbac-cluster-admin' && entry.hit.clusterWide);
  if (everything) return 'holds every permission in the cluster (cluster-admin)';
  if (scope === 'cluster') return 'can list Secrets in every namespace';
  if (scope === 'other-namespaces') return `can read Secrets in namespace${namespaces.length === 1 ? '' : 's'} ${namespaces.join(', ')}`;
  if (adminPath) return `can become cluster-admin (${adminPath.steps[0].label})`;
  if (allSecretsPath) return `can reach every Secret (${allSecretsPath.steps[0].label})`;
  if (scope === 'own-namespace') return 'can read the Secrets of its own namespace';
  const worst = [...hits].sort((a, b) => severityRank(a.severity) - severityRank(b.severity))[0];
  return worst ? `${worst.hit.risk.title[0].toLowerCase()}${worst.hit.risk.title.slice(1)}` : 'holds no risky permission';
}

export interface AccountHolder {
  workload: KubeObject;
  containers: string[];
}

/**
 * The workloads (controllers counted once, not their pods) whose containers hold each account's
 * token, keyed `namespace\0name`: automounted, projected, or through a token Secret.
 */
export function tokenHoldersByAccount(engine: RbacEngine): Map<string, AccountHolder[]> {
  return engine.cached('token-holders-by-account', () => {
    const { inventory } = engine;
    const byAccount = new Map<string, AccountHolder[]>();
    for (const workload of inventory.byKind(...WORKLOAD_KINDS)) {
      if (hasControllerIn(workload, inventory)) continue;
      const containers = new Map<string, string[]>();
      for (const { ref, tokens } of tokenHolders(workload, inventory)) {
        for (const token of tokens) {
          if (!token.serviceAccount || !token.apiServer) continue;
          const key = `${workload.metadata.namespace ?? ''}\u0000${token.serviceAccount}`;
          const names = containers.get(key) ?? [];
          if (!names.includes(String(ref.container.name))) names.push(String(ref.container.name));
          containers.set(key, names);
        }
      }
      for (const [key, names] of containers) appendTo(byAccount, key, { workload, containers: names });
    }
    return byAccount;
  });
}

/** The risks rules carry for a subject holding them cluster-wide (a ClusterRoleBinding that exists only for the question). */
export function risksOfRules(rules: PolicyRule[], catalogue: RiskDefinition[] = riskCatalogue()): RiskHit[] {
  const object: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'holder' } };
  const role: RoleDef = { kind: 'ClusterRole', name: 'holder', rules, labels: {}, object, builtin: false };
  const binding: BindingDef = { kind: 'ClusterRoleBinding', name: 'holder', roleRef: { kind: 'ClusterRole', name: 'holder' }, subjects: [], object, ordinal: -1 };
  const grant = { binding, role, namespace: '' };
  return catalogue.flatMap((risk) => evaluateRisk(risk, { kind: 'Group', name: 'holders' }, [grant]) ?? []);
}

let builtinRules: Map<string, PolicyRule[]> | undefined;

/** A built-in ClusterRole's rules as Kubernetes ships them (admin, edit and view aggregated, before any chart adds to them). */
export function builtinRoleRules(name: string): PolicyRule[] | undefined {
  if (!builtinRules) {
    const roles = builtinRoles().filter((role) => role.kind === 'ClusterRole');
    const aggregated = aggregateClusterRoles(roles).rules;
    builtinRules = new Map(roles.map((role) => [role.name, aggregated.get(role.name) ?? role.rules]));
  }
  return builtinRules.get(name);
}
