/**
 * RBAC analyses as findings (the scan JSON contract, stage `evaluate`), made with `findingFor` so
 * they carry locations and honour `kubeward.io/ignore` and `.kubeward.yaml` like every other finding.
 * A subject's risk is reported on the binding that grants it (the object to change), pointing at
 * the subject's entry in that binding.
 */
import type { Finding } from '../core/finding.js';
import type { KubeObject } from '../core/object.js';
import type { Severity } from '../core/severity.js';
import { findingFor, today, type SuppressionOptions } from '../rules/engine.js';
import type { RuleMeta, Violation } from '../rules/rule.js';
import { AGGREGATE_TO_LABEL_PREFIX, BUILTIN_CLUSTER_ROLE_NAMES, isBootstrapObject } from './builtin-roles.js';
import { analyzeDefaultServiceAccounts, type BroadSubjectKind } from './default-sa.js';
import { bindingNamespace, type RbacEngine } from './engine.js';
import { describePath, goalTitle, pathLabels } from './escalation.js';
import { findDanglingReferences } from './dangling.js';
import { bindingRefJson, describeRbacRef, roleRefJson, ruleJson, type BindingDef, type RoleDef } from './model.js';
import { evaluateRisk, evaluateRisks, riskCatalogue, type RiskDefinition, type RiskHit, type RiskOptions } from './risks.js';
import { boundSubject, describeSubject, subjectJson } from './subject.js';

export interface FindingOptions extends RiskOptions, SuppressionOptions {}

const STAGE = 'evaluate';

function riskMeta(risk: RiskDefinition): RuleMeta {
  return {
    id: risk.id,
    title: risk.title,
    severity: risk.severity.cluster,
    stage: STAGE,
    description: risk.description,
    remediation: risk.remediation,
    references: [{ tool: 'kubernetes-docs', id: risk.reference.title, url: risk.reference.url }],
  };
}

/** Findings about bindings and roles rather than a subject's permissions. */
const OBJECT_RULES: Record<string, RuleMeta> = Object.fromEntries(
  (
    [
      ['rbac-binds-default-service-account', 'Binding grants to a default ServiceAccount', 'medium', 'Every workload without its own ServiceAccount runs as `default`: a grant to it is a grant to all of them.', 'Create a ServiceAccount for the workload that needs the permission and bind that.'],
      ['rbac-binds-service-account-group', 'Binding grants to every ServiceAccount', 'high', 'The groups `system:serviceaccounts` and `system:serviceaccounts:<namespace>` hold every ServiceAccount (of the cluster, of the namespace): any pod with a token gets the grant.', 'Bind the ServiceAccounts that need the permission by name.'],
      ['rbac-binds-all-users', 'Binding grants to every user', 'high', '`system:authenticated` is every user and ServiceAccount; `system:unauthenticated` and `system:anonymous` are anyone who can reach the API server.', 'Bind named users or groups.'],
      ['rbac-dangling-role-ref', 'Binding references a role that does not exist', 'medium', 'The binding grants nothing today, and grants whatever a role of that name holds once someone creates it.', 'Delete the binding, or create the role it is meant to grant.'],
      ['rbac-dangling-subject', 'Binding subject matches nobody or does not exist', 'low', 'A ServiceAccount subject without a namespace in a ClusterRoleBinding, an unknown subject kind, or an account in a namespace that does not exist: the grant waits for whoever creates that name.', 'Fix or remove the subject.'],
      ['rbac-aggregates-into-default-roles', 'ClusterRole aggregates into admin, edit or view', 'medium', 'A ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-admin|edit|view: "true"` adds its rules to those roles: everyone bound to them gains its permissions. High when those permissions are risky.', 'Remove the aggregation label, or grant the permissions through a role bound where needed.'],
      ['rbac-aggregation-rule', 'ClusterRole with an aggregationRule', 'medium', 'An aggregated ClusterRole gathers the rules of every ClusterRole its selectors match, now and later: whoever can label a ClusterRole can add to it.', 'Prefer plain rules; keep aggregation to the built-in roles.'],
    ] as [string, string, Severity, string, string][]
  ).map(([id, title, severity, description, remediation]) => [id, { id, title, severity, stage: STAGE, description, remediation, references: [] }]),
);

/** Metadata of every RBAC finding id, for reports (SARIF lists rules even without results). */
export function rbacRuleMetas(options: RiskOptions = {}): RuleMeta[] {
  return [...riskCatalogue(options).map(riskMeta), ...Object.values(OBJECT_RULES)];
}

/** Every RBAC finding: risky permissions per subject, broad and dangling bindings, aggregation. */
export function rbacFindings(engine: RbacEngine, findingOptions: FindingOptions = {}): Finding[] {
  const options = { ...findingOptions, today: findingOptions.today ?? today() };
  const findings: Finding[] = [];
  const make = (meta: RuleMeta, object: KubeObject, violation: Violation) => findings.push(findingFor(meta, object, violation, engine.inventory, options));
  const metas = new Map(riskCatalogue(options).map((risk) => [risk.id, riskMeta(risk)]));
  for (const hit of evaluateRisks(engine, options)) {
    const binding = hit.matches[0].grant.binding;
    make(metas.get(hit.risk.id) as RuleMeta, binding.object, riskViolation(hit, binding));
  }
  const broadRule: Record<BroadSubjectKind, string> = {
    'default-service-account': 'rbac-binds-default-service-account',
    'all-service-accounts': 'rbac-binds-service-account-group',
    'namespace-service-accounts': 'rbac-binds-service-account-group',
    'all-authenticated': 'rbac-binds-all-users',
    unauthenticated: 'rbac-binds-all-users',
  };
  for (const broad of analyzeDefaultServiceAccounts(engine, options).broadBindings) {
    const role = engine.resolution(broad.binding).role;
    const severity: Severity = broad.kind === 'unauthenticated' ? 'critical' : broad.kind === 'namespace-service-accounts' ? 'medium' : OBJECT_RULES[broadRule[broad.kind]].severity;
    const who = broad.subject.kind === 'ServiceAccount' ? `ServiceAccount ${broad.subject.namespace || bindingNamespace(broad.binding)}/${broad.subject.name}` : `${broad.subject.kind} ${broad.subject.name}`;
    make(OBJECT_RULES[broadRule[broad.kind]], broad.binding.object, {
      message: `grants ${role ? describeRbacRef(roleRefJson(role)) : `${broad.binding.roleRef?.kind ?? 'role'} ${broad.binding.roleRef?.name ?? '?'}`} to ${who}${scopeOfBinding(broad.binding)}`,
      path: ['subjects', broad.subjectIndex],
      severity,
      evidence: { subject: broad.subject, binding: bindingRefJson(broad.binding), ...(role ? { role: roleRefJson(role) } : {}) },
    });
  }
  for (const dangling of findDanglingReferences(engine)) {
    const rule = dangling.kind === 'role' ? OBJECT_RULES['rbac-dangling-role-ref'] : OBJECT_RULES['rbac-dangling-subject'];
    make(rule, dangling.binding.object, {
      message: dangling.kind === 'role' ? `${describeRbacRef(bindingRefJson(dangling.binding))} ${dangling.problem}` : dangling.problem,
      path: dangling.kind === 'role' ? ['roleRef'] : ['subjects', dangling.subjectIndex ?? 0],
      evidence: { binding: bindingRefJson(dangling.binding), problem: dangling.problem },
    });
  }
  findings.push(...aggregationFindings(engine, options));
  return findings;
}

function scopeOfBinding(binding: BindingDef): string {
  return binding.kind === 'ClusterRoleBinding' ? ' in every namespace' : ` in namespace ${binding.namespace}`;
}

function riskViolation(hit: RiskHit, binding: BindingDef): Violation {
  const scope = hit.clusterWide ? 'cluster-wide' : `in namespace${hit.namespaces.length === 1 ? '' : 's'} ${hit.namespaces.join(', ')}`;
  // What matched, per binding: `create pods/exec via RoleBinding shop/devs → ClusterRole edit` (the full rules are in the evidence).
  const grants = new Map<string, Set<string>>();
  for (const match of hit.matches) {
    const key = `${describeRbacRef(bindingRefJson(match.grant.binding))} → ${describeRbacRef(roleRefJson(match.grant.role))}`;
    const group = match.resource.group && match.resource.group !== '*' ? `.${match.resource.group}` : match.resource.group === '*' ? ' (all API groups)' : '';
    const names = match.onlyNames ? ` named ${match.onlyNames.join(',')}` : '';
    const permissions = grants.get(key) ?? new Set<string>();
    permissions.add(`${match.verb} ${match.resource.resource}${group}${names}`);
    grants.set(key, permissions);
  }
  const via = [...grants].map(([key, permissions]) => `${[...permissions].join(', ')} via ${key}`).join('; ');
  const path = hit.path ? ` Escalation path to ${goalTitle(hit.path.goal)}: ${describePath(hit.path)}.` : '';
  const index = binding.subjects.findIndex((subject) => {
    const bound = boundSubject(subject, bindingNamespace(binding));
    return bound && bound.kind === hit.subject.kind && bound.name === hit.subject.name && (bound.namespace ?? '') === (hit.subject.namespace ?? '');
  });
  const evidence: Record<string, unknown> = {
    subject: subjectJson(hit.subject),
    scope: hit.clusterWide ? 'cluster' : 'namespaces',
    grants: hit.matches.map((match) => ({ binding: bindingRefJson(match.grant.binding), role: roleRefJson(match.grant.role), rule: ruleJson(match.rule) })),
  };
  if (!hit.clusterWide) evidence.namespaces = hit.namespaces;
  if (hit.path) evidence.escalationPath = { goal: hit.path.goal, steps: pathLabels(hit.path) };
  return {
    message: `${describeSubject(hit.subject)}: ${hit.risk.title[0].toLowerCase()}${hit.risk.title.slice(1)} ${scope}: ${via}.${path}`,
    path: index >= 0 ? ['subjects', index] : undefined,
    severity: hit.severity,
    evidence,
  };
}

/** ClusterRoles (of the inventory, not Kubernetes' own) that feed admin/edit/view, or aggregate others. */
function aggregationFindings(engine: RbacEngine, options: FindingOptions): Finding[] {
  const findings: Finding[] = [];
  const catalogue = riskCatalogue(options);
  for (const role of engine.roles.allRoles()) {
    if (role.kind !== 'ClusterRole' || !role.object || isBootstrapObject(role.labels)) continue;
    const targets = Object.entries(role.labels)
      .filter(([key, value]) => key.startsWith(AGGREGATE_TO_LABEL_PREFIX) && value === 'true')
      .map(([key]) => key.slice(AGGREGATE_TO_LABEL_PREFIX.length))
      .filter((target) => BUILTIN_CLUSTER_ROLE_NAMES.has(target));
    if (targets.length) {
      const risky = riskyPermissionsOf(role, role.object, catalogue);
      findings.push(
        findingFor(OBJECT_RULES['rbac-aggregates-into-default-roles'], role.object, {
          message: `adds ${role.rules.length} rule${role.rules.length === 1 ? '' : 's'} to ClusterRole ${targets.join(', ')}${risky.length ? `: every holder gains what ${risky.join(', ')} report` : ''}`,
          path: ['metadata', 'labels'],
          severity: risky.length ? 'high' : 'medium',
          evidence: { aggregatesInto: targets, rules: role.rules.map(ruleJson), risks: risky },
        }, engine.inventory, options),
      );
    }
    if (role.aggregationSelectors !== undefined && !BUILTIN_CLUSTER_ROLE_NAMES.has(role.name)) {
      const sources = engine.roles.aggregationSources.get(role.name) ?? [];
      findings.push(
        findingFor(OBJECT_RULES['rbac-aggregation-rule'], role.object, {
          message: `gathers the rules of ${sources.length} ClusterRole${sources.length === 1 ? '' : 's'}${sources.length ? ` (${sources.slice(0, 5).join(', ')}${sources.length > 5 ? ', …' : ''})` : ''} and of any ClusterRole later labelled to match`,
          path: ['aggregationRule'],
          evidence: { gathers: sources },
        }, engine.inventory, options),
      );
    }
  }
  return findings;
}

/** The risks a role's rules carry for someone holding it in a namespace (a RoleBinding that exists only for the question). */
function riskyPermissionsOf(role: RoleDef, object: KubeObject, catalogue: RiskDefinition[]): string[] {
  const namespace = 'holder';
  const binding: BindingDef = { kind: 'RoleBinding', name: 'holder', namespace, roleRef: { kind: 'ClusterRole', name: role.name }, subjects: [], object, ordinal: -1 };
  const grant = { binding, role, namespace };
  return catalogue.filter((risk) => risk.requires && evaluateRisk(risk, { kind: 'Group', name: 'holders' }, [grant])).map((risk) => risk.id);
}
