/**
 * What a Role or ClusterRole would grant, judged on the role object itself: the binding may come
 * later (a chart's ClusterRole that an operator binds by hand, a role aggregated elsewhere). Each
 * risk is a family of requests matched with the RBAC engine's own checks (`matchCheck`, i.e.
 * `RuleAllows`), never re-implemented here.
 *
 * One finding per grant: a PolicyRule that implies several risks (`*` on everything implies all of
 * them) is reported once, by its most severe risk's rule, with the others listed. And one finding
 * per fact across the scan: when the sources bind the role, the RBAC engine's finding on the bound
 * subject is the finding, so the role's own is `info`.
 */
import type { KubeObject } from '../../core/object.js';
import { severityRank, type Severity } from '../../core/severity.js';
import { describeRule, isBootstrapObject, matchCheck, type BindingDef, type PermissionCheck, type PolicyRule, type RbacEngine, type RoleDef } from '../../rbac/index.js';
import { isRbacObject, isWildcardRule, parseRole } from '../../rbac/model.js';
import * as P from '../../rbac/primitives.js';
import { CheckScreen, core, inGroup } from '../../rbac/permissions.js';
import type { RuleContext, Violation } from '../rule.js';
import { sharedEngine } from '../token-analysis.js';

export interface RoleRisk {
  /** The rule that reports it. */
  ruleId: string;
  /** What holding it lets a subject do, for messages: "reads Secrets". */
  does: string;
  /** For a ClusterRole nothing binds yet; a Role (one namespace) is one level lower. */
  severity: Severity;
  /** Request families, any of which implies the risk… */
  checks?: readonly PermissionCheck[];
  /** …asked in this namespace (the CoreDNS ConfigMap lives in kube-system); else where the role grants. */
  namespace?: string;
  /** …or a property of the rule itself. */
  ruleMatches?: (rule: PolicyRule) => boolean;
  /** A lower severity for some matching rules (reading Secrets by name only). */
  lowerWhen?: (rule: PolicyRule) => boolean;
}

const DELETE = ['delete', 'deletecollection'];
const WRITE_SECRETS: PermissionCheck = { verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'], resources: [core('secrets')], names: 'any', namespaced: true };
const DELETE_EVENTS: PermissionCheck = { verbs: DELETE, resources: [core('events'), { group: 'events.k8s.io', resource: 'events' }], names: 'any', namespaced: true };
const WRITE_COREDNS: PermissionCheck = { verbs: ['update', 'patch', 'delete'], resources: [core('configmaps')], names: ['coredns'], namespaced: true };
/** Deleting what holds data or runs: namespaced resources, and the namespace object itself (a RoleBinding can grant that). */
const DESTRUCTIVE_DELETE: PermissionCheck = {
  verbs: DELETE,
  resources: [
    ...['namespaces', 'persistentvolumeclaims', 'pods', 'services', 'configmaps', 'secrets'].map(core),
    ...inGroup('apps', 'deployments', 'statefulsets', 'daemonsets', 'replicasets'),
    ...inGroup('batch', 'jobs', 'cronjobs'),
  ],
  names: 'any',
  namespaced: true,
};
/** Cluster-scoped: only a ClusterRoleBinding grants these. */
const DESTRUCTIVE_DELETE_CLUSTER: PermissionCheck = {
  verbs: DELETE,
  resources: [core('persistentvolumes'), { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' }],
  names: 'any',
  namespaced: false,
};

/** API groups Kubernetes itself serves: a wildcard over any of them, or over all groups, is not limited to a chart's own resources. */
function wildcardReachesKubernetes(rule: PolicyRule): boolean {
  if (rule.resources.includes('*') && rule.apiGroups.some((group) => group === '*' || group === '' || !group.includes('.') || group.endsWith('.k8s.io'))) return true;
  return rule.apiGroups.includes('*');
}

/** The catalogue, most severe first; ties go to the earlier entry, which then names the grant. */
export const ROLE_RISKS: readonly RoleRisk[] = [
  { ruleId: 'role-wildcard', does: 'grants whatever exists now and later (wildcard)', severity: 'medium', ruleMatches: isWildcardRule, lowerWhen: (rule) => !wildcardReachesKubernetes(rule) },
  { ruleId: 'role-reads-secrets', does: 'reads or writes Secrets', severity: 'medium', checks: [P.LIST_SECRETS, P.GET_SECRETS, WRITE_SECRETS], lowerWhen: (rule) => rule.resourceNames.length > 0 },
  { ruleId: 'role-escalate-bind', does: 'escalates or binds roles it does not hold', severity: 'medium', checks: [P.ESCALATE_ROLES, P.ESCALATE_CLUSTER_ROLES, P.BIND_ROLES, P.BIND_CLUSTER_ROLES] },
  { ruleId: 'role-impersonate', does: 'impersonates users, groups or ServiceAccounts', severity: 'medium', checks: [P.IMPERSONATE_USERS, P.IMPERSONATE_GROUPS, P.IMPERSONATE_UIDS, P.IMPERSONATE_SERVICE_ACCOUNTS] },
  { ruleId: 'role-mints-tokens', does: 'mints ServiceAccount tokens', severity: 'medium', checks: [P.SERVICE_ACCOUNT_TOKEN] },
  { ruleId: 'role-nodes-proxy', does: 'reaches the kubelet API (nodes/proxy)', severity: 'medium', checks: [P.NODES_PROXY] },
  { ruleId: 'role-approves-csr', does: 'approves certificate signing requests', severity: 'medium', checks: [P.APPROVE_CSR, P.APPROVE_CLIENT_SIGNER] },
  { ruleId: 'role-writes-webhooks', does: 'writes admission webhooks or policies', severity: 'medium', checks: [P.WRITE_ADMISSION] },
  { ruleId: 'role-pod-exec', does: 'execs, attaches or port-forwards into pods', severity: 'medium', checks: [P.execOrForwardInPods(true)] },
  { ruleId: 'role-creates-workloads', does: 'creates or changes pods and pod controllers', severity: 'medium', checks: [P.CREATE_PODS, P.WRITE_POD_CONTROLLERS, P.MODIFY_PODS, P.EPHEMERAL_CONTAINERS] },
  { ruleId: 'role-writes-coredns', does: 'rewrites cluster DNS (the coredns ConfigMap)', severity: 'medium', checks: [WRITE_COREDNS], namespace: 'kube-system' },
  { ruleId: 'role-deletes-events', does: 'deletes events (erases its tracks)', severity: 'low', checks: [DELETE_EVENTS] },
  { ruleId: 'role-destructive-delete', does: 'deletes workloads, volumes, namespaces or CRDs', severity: 'low', checks: [DESTRUCTIVE_DELETE, DESTRUCTIVE_DELETE_CLUSTER] },
];

export interface RiskyRule {
  index: number;
  rule: PolicyRule;
  /** Every risk the rule implies, the reporting one first. */
  risks: { risk: RoleRisk; severity: Severity }[];
}

export interface RoleGrants {
  role: RoleDef;
  /** Why the role's own finding is info: the bindings (or aggregation) that give it to subjects. */
  boundBy: string[];
  rules: RiskyRule[];
}

const lower = (severity: Severity): Severity => (severity === 'critical' ? 'high' : severity === 'high' ? 'medium' : 'low');

/** Which bindings of the sources grant each role object ("RoleBinding shop/web"), indexed once per scan. */
function bindingsByRole(engine: RbacEngine): Map<KubeObject, string[]> {
  const index = new Map<KubeObject, string[]>();
  for (const binding of engine.bindings) {
    const role = engine.resolution(binding).role?.object;
    if (!role) continue;
    const labels = index.get(role) ?? [];
    labels.push(`${binding.kind} ${binding.namespace ? `${binding.namespace}/` : ''}${binding.name}`);
    index.set(role, labels);
  }
  return index;
}

/** Every question of the catalogue, so that a role answering none (most roles) is passed over without matching each check. */
function catalogueScreen(): CheckScreen {
  return new CheckScreen(ROLE_RISKS.flatMap((risk) => [...(risk.checks ?? []), ...(risk.ruleMatches ? [risk.ruleMatches] : [])]));
}

function analyse(object: KubeObject, context: RuleContext): RoleGrants | undefined {
  if (!isRbacObject(object, object.kind) || isBootstrapObject(object.metadata.labels) || object.aggregationRule !== undefined) return undefined;
  const engine = sharedEngine(context);
  // The engine's own definition of this object when it has one: what the engine learnt of its rules (roleHits) is then shared with the scan's RBAC findings.
  const stored = engine.roles.lookup(object.kind, object.metadata.namespace, object.metadata.name ?? '');
  const role = stored?.object === object ? stored : parseRole(object);
  // A check that holds in some scope holds for the role (roleSatisfies): a role the screen finds silent (most) matches nothing.
  const rules = context.shared('role-risk-screen', catalogueScreen).answersSomethingFor(role) ? riskyRules(role, object) : NO_RISKY_RULES;
  return new AnalysedRole(role, rules, object, engine, context);
}

/** Most roles carry no risk: they share one empty list (never changed). */
const NO_RISKY_RULES = Object.freeze([]) as unknown as RiskyRule[];

/** A role's grants; `boundBy` is read only for a role with something to report (few): worked out then, and once. */
class AnalysedRole implements RoleGrants {
  private bindings: string[] | undefined;

  constructor(
    readonly role: RoleDef,
    readonly rules: RiskyRule[],
    private readonly object: KubeObject,
    private readonly engine: RbacEngine,
    private readonly context: RuleContext,
  ) {}

  get boundBy(): string[] {
    return (this.bindings ??= boundByOf(this.role, this.object, this.engine, this.context));
  }
}

function boundByOf(role: RoleDef, object: KubeObject, engine: RbacEngine, context: RuleContext): string[] {
  const boundBy = [...(context.shared('role-bound-by', () => bindingsByRole(engine)).get(object) ?? [])];
  if (role.kind === 'ClusterRole') {
    for (const [target, sources] of engine.roles.aggregationSources) if (sources.includes(role.name) && target !== role.name) boundBy.push(`aggregation into ClusterRole ${target}`);
  }
  return boundBy;
}

/** The role's rules that carry a risk of the catalogue, each with its risks, most severe first. */
function riskyRules(role: RoleDef, object: KubeObject): RiskyRule[] {
  // A synthetic binding that gives the role where it would be given: everywhere (ClusterRole) or in its namespace (Role).
  const namespace = role.kind === 'Role' ? (role.namespace ?? '') : '';
  const binding: BindingDef = { kind: role.kind === 'Role' ? 'RoleBinding' : 'ClusterRoleBinding', name: 'holder', namespace: namespace || undefined, roleRef: { kind: role.kind, name: role.name }, subjects: [], object, ordinal: -1 };
  const grant = { binding, role, namespace };
  const byIndex = new Map<number, RiskyRule>();
  for (const risk of ROLE_RISKS) {
    const hits = new Set<PolicyRule>();
    if (risk.ruleMatches) for (const rule of role.rules) if (risk.ruleMatches(rule)) hits.add(rule);
    for (const check of risk.checks ?? []) for (const match of matchCheck([grant], check, risk.namespace ?? namespace)) hits.add(match.rule);
    for (const rule of hits) {
      const index = role.rules.indexOf(rule);
      const entry = byIndex.get(index) ?? { index, rule, risks: [] };
      let severity = risk.lowerWhen?.(rule) ? lower(risk.severity) : risk.severity;
      if (role.kind === 'Role') severity = lower(severity);
      entry.risks.push({ risk, severity });
      byIndex.set(index, entry);
    }
  }
  const rules = [...byIndex.values()].sort((a, b) => a.index - b.index);
  // Most severe first; the catalogue's order breaks ties.
  for (const entry of rules) entry.risks.sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || ROLE_RISKS.indexOf(a.risk) - ROLE_RISKS.indexOf(b.risk));
  return rules;
}

/** The analyses of one scan, and the role asked about last: thirteen rules ask about each role, one after another. */
class RoleGrantsCache {
  readonly byObject = new WeakMap<KubeObject, RoleGrants | null>();
  lastObject: KubeObject | undefined;
  last: RoleGrants | null = null;
}

const newRoleGrantsCache = () => new RoleGrantsCache();

/** The risky rules of a Role or ClusterRole, computed once per object per scan. */
export function roleGrantsOf(object: KubeObject, context: RuleContext): RoleGrants | undefined {
  // No closure made per question.
  const cache = context.shared('role-grants', newRoleGrantsCache);
  if (cache.lastObject === object) return cache.last ?? undefined;
  let grants = cache.byObject.get(object);
  if (grants === undefined) {
    grants = analyse(object, context) ?? null;
    cache.byObject.set(object, grants);
  }
  cache.lastObject = object;
  cache.last = grants;
  return grants ?? undefined;
}

const NO_VIOLATIONS = Object.freeze([]) as unknown as Violation[];

/** The check of a role rule: the PolicyRules whose most severe risk is this rule's. */
export function roleRiskCheck(ruleId: string) {
  return (object: KubeObject, context: RuleContext): Violation[] => {
    const grants = roleGrantsOf(object, context);
    // Most roles grant nothing risky: no array made for them, thirteen times over.
    if (!grants || grants.rules.length === 0) return NO_VIOLATIONS;
    return grants.rules
      .filter((entry) => entry.risks[0].risk.ruleId === ruleId)
      .map((entry) => {
        const [first, ...others] = entry.risks;
        const also = others.length ? `; also ${others.map(({ risk }) => risk.does).join(', ')}` : '';
        const bound = grants.boundBy.length ? ` (bound by ${grants.boundBy.slice(0, 3).join(', ')}${grants.boundBy.length > 3 ? ', …' : ''}: reported on its subjects)` : ' (nothing in the sources binds it yet)';
        return {
          message: `rules[${entry.index}] (${describeRule(entry.rule)}) ${first.risk.does}${also}${bound}`,
          path: ['rules', entry.index],
          severity: grants.boundBy.length ? 'info' : first.severity,
          evidence: { risks: entry.risks.map(({ risk, severity }) => ({ rule: risk.ruleId, severity })), boundBy: grants.boundBy },
        };
      });
  };
}
