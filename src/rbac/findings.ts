/**
 * RBAC analyses as findings (the scan JSON contract, stage `evaluate`), made with `findingFor` so
 * they carry locations and honour `kubeward.io/ignore` and `.kubeward.yaml` like every other finding.
 * A subject's risk is reported on the binding that grants it (the object to change), pointing at
 * the subject's entry in that binding.
 */
import type { Finding } from '../core/finding.js';
import { selfDeletingPolicies } from '../core/hooks.js';
import { describeRef, refOf, type KubeObject } from '../core/object.js';
import { severityRank, type Severity } from '../core/severity.js';
import { locationOf } from '../core/provenance.js';
import { findingFor, today, type SuppressionOptions } from '../rules/engine.js';
import type { RuleMeta, Violation } from '../rules/rule.js';
import { AGGREGATE_TO_LABEL_PREFIX, BUILTIN_CLUSTER_ROLE_NAMES, isBootstrapObject } from './builtin-roles.js';
import { broadBindings, type BroadSubjectKind } from './default-sa.js';
import { bindingNamespace, type Grant, type RbacEngine } from './engine.js';
import { describePath, goalTitle, pathLabels } from './escalation.js';
import { findDanglingReferences } from './dangling.js';
import { bindingRefJson, describeRbacRef, roleRefJson, ruleJson, type BindingDef, type PolicyRule, type RoleDef } from './model.js';
import { RISK_PEERS } from './peers.js';
import type { CheckMatch } from './permissions.js';
import { PRIVILEGED_NAMESPACES, evaluateRisk, evaluateRisks, riskCatalogue, type RiskDefinition, type RiskHit, type RiskOptions } from './risks.js';
import { builtinRoleRules, pathLeavesNamespace, risksOfRules, scopedSeverity, tokenHoldersByAccount, worstSeverity, type AccountHolder } from './reach.js';
import { boundSubject, describeSubject, subjectJson, subjectKey, type SubjectRef } from './subject.js';

/** The workloads a finding's `evidence.heldBy` lists; past it, `heldByTotal` says how many hold the token. */
const MAX_HELD_BY = 20;

export interface FindingOptions extends RiskOptions, SuppressionOptions {
  /**
   * `kubeward scan`: one finding per subject and binding listing every risk the grant carries, at
   * the install's severities (reach.ts), with the grants that hide themselves called out. Without it
   * (`rbac risks`, `audit`): one finding per subject and risk at the catalogue's severities.
   */
  perGrant?: boolean;
  /** The namespace a chart is installed into: its RoleBindings elsewhere are called out. */
  releaseNamespace?: string;
  /** Risk ids not to report (the configuration's `disable`). */
  disable?: readonly string[];
}

const STAGE = 'evaluate';

function riskMeta(risk: RiskDefinition, perGrant = false): RuleMeta {
  return {
    id: risk.id,
    title: risk.title,
    severity: perGrant && risk.severity.cluster === 'critical' ? 'high' : risk.severity.cluster,
    stage: STAGE,
    description: risk.description,
    remediation: risk.remediation,
    references: [...(RISK_PEERS[risk.id] ?? []), { tool: 'kubernetes-docs', id: risk.reference.title, url: risk.reference.url }],
  };
}

/** Findings about bindings and roles rather than a subject's permissions. */
const OBJECT_RULES: Record<string, RuleMeta> = Object.fromEntries(
  (
    [
      ['rbac-binds-default-service-account', 'Binding grants to a default ServiceAccount', 'medium', 'Every workload without its own ServiceAccount runs as `default`: a grant to it is a grant to all of them.', 'Create a ServiceAccount for the workload that needs the permission and bind that.', [{ tool: 'checkov', id: 'CKV_K8S_42' }]],
      ['rbac-binds-service-account-group', 'Binding grants to every ServiceAccount', 'high', 'The groups `system:serviceaccounts` and `system:serviceaccounts:<namespace>` hold every ServiceAccount (of the cluster, of the namespace): any pod with a token gets the grant.', 'Bind the ServiceAccounts that need the permission by name.'],
      ['rbac-binds-all-users', 'Binding grants to every user', 'high', '`system:authenticated` is every user and ServiceAccount; `system:unauthenticated` and `system:anonymous` are anyone who can reach the API server.', 'Bind named users or groups.', [{ tool: 'trivy', id: 'KSV-0122' }, { tool: 'kubescape', id: 'C-0262' }, { tool: 'kubescape', id: 'C-0265' }, { tool: 'kubesec', id: 'BindingsToSystemAnonymous' }]],
      ['rbac-dangling-role-ref', 'Binding references a role that does not exist', 'medium', 'The binding grants nothing today, and grants whatever a role of that name holds once someone creates it.', 'Delete the binding, or create the role it is meant to grant.'],
      ['rbac-dangling-subject', 'Binding subject matches nobody or does not exist', 'low', 'A ServiceAccount subject without a namespace in a ClusterRoleBinding, an unknown subject kind, or an account in a namespace that does not exist: the grant waits for whoever creates that name.', 'Fix or remove the subject.'],
      ['rbac-aggregates-into-default-roles', 'ClusterRole aggregates into admin, edit or view', 'critical', 'A ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-admin|edit|view: "true"` adds its rules to those built-in roles: every subject bound to them anywhere in the cluster silently gains its permissions, and the chart binds nothing anyone would review. `critical` when that adds Secrets or another sensitive permission the role did not already give (Secrets to `view`), `medium` for other risky permissions, `info` when it only adds harmless rules (reading the chart\'s own custom resources or metrics), the usual reason to aggregate.', 'Remove the aggregation label, or grant the permissions through a role bound where needed.'],
      ['rbac-binding-outside-namespace', 'RoleBinding outside the release namespace grants nothing risky', 'low', 'A RoleBinding the sources place in another namespace than its ServiceAccount\'s (or, for a chart, than the release namespace), granting nothing the risk catalogue knows: charts do this to read `extension-apiserver-authentication` in kube-system, for example. A RoleBinding outside the release namespace that does grant a risk is reported on its grant, `high` at least and `critical` into kube-system or when it reads Secrets.', 'Check that the chart should reach into that namespace at all.'],
      ['rbac-aggregation-rule', 'ClusterRole with an aggregationRule', 'medium', 'An aggregated ClusterRole gathers the rules of every ClusterRole its selectors match, now and later: whoever can label a ClusterRole can add to it.', 'Prefer plain rules; keep aggregation to the built-in roles.'],
    ] as [string, string, Severity, string, string, RuleMeta['references']?][]
  ).map(([id, title, severity, description, remediation, references = []]) => [id, { id, title, severity, stage: STAGE, description, remediation, references }]),
);

/** Metadata of every RBAC finding id, for reports (SARIF lists rules even without results). */
export function rbacRuleMetas(options: RiskOptions & { perGrant?: boolean } = {}): RuleMeta[] {
  return [...riskCatalogue(options).map((risk) => riskMeta(risk, options.perGrant)), ...Object.values(OBJECT_RULES)];
}

/** Every RBAC finding: risky permissions per subject, broad and dangling bindings, aggregation. */
export function rbacFindings(engine: RbacEngine, findingOptions: FindingOptions = {}): Finding[] {
  const options = { ...findingOptions, today: findingOptions.today ?? today() };
  const findings: Finding[] = [];
  const make = (meta: RuleMeta, object: KubeObject, violation: Violation) => findings.push(findingFor(meta, object, violation, engine.inventory, options));
  const metas = new Map(riskCatalogue(options).map((risk) => [risk.id, riskMeta(risk, options.perGrant)]));
  const disabled = new Set(options.disable ?? []);
  const hits = evaluateRisks(engine, options).filter((hit) => !disabled.has(hit.risk.id));
  if (options.perGrant) {
    const grants = grantFindings(engine, hits, metas, options);
    // A loop, not push(...): a big cluster has more grants than a call takes arguments.
    for (const finding of grants) findings.push(finding);
    const reported = new Set(grants.map((finding) => `${finding.object.namespace ?? ''}\u0000${finding.object.name}\u0000${finding.object.kind}`));
    for (const binding of engine.bindings) {
      if (binding.kind !== 'RoleBinding' || isBootstrapObject(binding.object.metadata.labels)) continue;
      // Whether a grant finding names the binding already: asked only of a binding that reaches outside (few do).
      let skip: boolean | undefined;
      binding.subjects.forEach((subject, subjectIndex) => {
        const bound = boundSubject(subject, bindingNamespace(binding));
        const outside = bound && outsideNamespace(engine, binding, bound, options);
        if (!outside || (skip ??= reported.has(`${binding.namespace ?? ''}\u0000${binding.name}\u0000${binding.kind}`))) return;
        const role = engine.resolution(binding).role;
        make(OBJECT_RULES['rbac-binding-outside-namespace'], binding.object, {
          message: `grants ${role ? describeRbacRef(roleRefJson(role)) : `${binding.roleRef?.kind ?? 'role'} ${binding.roleRef?.name ?? '?'}`} to ${describeSubject(bound)} ${outside}; nothing risky${role ? ` (${describeRules(role.rules)})` : ''}`,
          path: ['subjects', subjectIndex],
          evidence: { subject: subjectJson(bound), binding: bindingRefJson(binding), ...(role ? { rules: role.rules.map(ruleJson) } : {}) },
        });
      });
    }
  }
  else {
    for (const hit of hits) {
      const binding = hit.matches[0].grant.binding;
      make(metas.get(hit.risk.id) as RuleMeta, binding.object, riskViolation(hit, binding));
    }
  }
  const broadRule: Record<BroadSubjectKind, string> = {
    'default-service-account': 'rbac-binds-default-service-account',
    'all-service-accounts': 'rbac-binds-service-account-group',
    'namespace-service-accounts': 'rbac-binds-service-account-group',
    'all-authenticated': 'rbac-binds-all-users',
    unauthenticated: 'rbac-binds-all-users',
  };
  for (const broad of broadBindings(engine, options)) {
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
  const via = permissionsText(hit);
  const path = hit.path ? ` Escalation path to ${goalTitle(hit.path.goal)}: ${describePath(hit.path)}.` : '';
  const index = binding.subjects.findIndex((subject) => {
    const bound = boundSubject(subject, bindingNamespace(binding));
    return bound && bound.kind === hit.subject.kind && bound.name === hit.subject.name && (bound.namespace ?? '') === (hit.subject.namespace ?? '');
  });
  const evidence: Record<string, unknown> = {
    subject: subjectJson(hit.subject),
    scope: hit.clusterWide ? 'cluster' : 'namespaces',
    grants: grantsJson(hit.matches),
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
    if (targets.length) findings.push(aggregationFinding(engine, role, role.object, targets, catalogue, options));
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

/**
 * What aggregating a ClusterRole into admin, edit or view adds: the risks the built-in role gains
 * (evaluated as if bound cluster-wide, as `view` often is), beyond those it carries already (`edit`
 * already reads Secrets; `view` never does).
 */
function aggregationFinding(engine: RbacEngine, role: RoleDef, object: KubeObject, targets: string[], catalogue: RiskDefinition[], options: FindingOptions): Finding {
  const gained = new Map<string, RiskHit>();
  for (const target of targets) {
    const before = builtinRoleRules(target) ?? [];
    const had = new Set(risksOfRules(before, catalogue).map((hit) => hit.risk.id));
    for (const hit of risksOfRules([...before, ...role.rules], catalogue)) if (!had.has(hit.risk.id)) gained.set(hit.risk.id, hit);
  }
  const risks = [...gained.values()].map((hit) => hit.risk);
  // Sensitive: high or worse cluster-wide, unless limited to a few names where the catalogue says that is milder.
  const sensitive = [...gained.values()].filter(({ risk, matches }) => (risk.severity.cluster === 'critical' || risk.severity.cluster === 'high') && !(risk.namedSeverity && matches.every((match) => match.onlyNames)));
  const severity: Severity = sensitive.length ? 'critical' : risks.length ? 'medium' : 'info';
  const who = `every subject bound to ${targets.join(', ')} anywhere in the cluster`;
  const message = risks.length
    ? `adds ${describeRules(role.rules)} to ClusterRole ${targets.join(', ')}: ${who} silently gains what ${risks.map((risk) => risk.id).join(', ')} report${risks.length === 1 ? 's' : ''}`
    : `adds ${describeRules(role.rules)} to ClusterRole ${targets.join(', ')}: harmless, nothing ${targets.length === 1 ? 'that role' : 'those roles'} did not already allow that is risky`;
  return findingFor(OBJECT_RULES['rbac-aggregates-into-default-roles'], object, {
    message,
    path: ['metadata', 'labels'],
    severity,
    evidence: { aggregatesInto: targets, rules: role.rules.map(ruleJson), gainedRisks: risks.map((risk) => risk.id) },
  }, engine.inventory, options);
}

function describeRules(rules: readonly PolicyRule[]): string {
  const resources = [...new Set(rules.flatMap((rule) => [...rule.resources, ...rule.nonResourceURLs]))];
  return `${rules.length} rule${rules.length === 1 ? '' : 's'} (${resources.slice(0, 5).join(', ')}${resources.length > 5 ? ', …' : ''})`;
}

interface GrantEntry {
  hit: RiskHit;
  severity: Severity;
  notes: string[];
  finding: Finding;
}

/**
 * One finding per subject and binding (issue: one PolicyRule used to give ten findings), at the
 * worst of its risks' scoped severities, raised when the grant hides itself: a Helm hook that deletes
 * itself after install, or a RoleBinding outside the release's namespace. The finding's rule id is
 * its worst unsuppressed risk's, so suppressing that risk leaves the next one in charge.
 */
function grantFindings(engine: RbacEngine, hits: readonly RiskHit[], metas: Map<string, RuleMeta>, options: FindingOptions): Finding[] {
  const groups = new Map<string, GrantEntry[]>();
  for (const hit of hits.flatMap(perBinding)) {
    const binding = hit.matches[0].grant.binding;
    const scoped = scopedSeverity(hit, engine.inventory);
    const finding = findingFor(metas.get(hit.risk.id) as RuleMeta, binding.object, { message: '', severity: scoped.severity }, engine.inventory, options);
    const key = `${subjectKey(hit.subject)}\u0000${binding.ordinal}`;
    const entries = groups.get(key) ?? [];
    entries.push({ hit, ...scoped, finding });
    groups.set(key, entries);
  }
  // Who holds each account's token: looked at only when there is an account's grant to report.
  let holders: Map<string, AccountHolder[]> | undefined;
  const holdersOf = () => (holders ??= tokenHoldersByAccount(engine));
  return [...groups.values()].map((entries) => grantFinding(engine, entries, holdersOf, options));
}

/**
 * A hit per binding it rests on: RoleBindings fanned out into several namespaces are several grants,
 * each reported on its own binding. A risk that needs two bindings together (bind + create
 * bindings) stays one hit, on the first.
 */
function perBinding(hit: RiskHit): RiskHit[] {
  const bindings = [...new Set(hit.matches.map((match) => match.grant.binding))];
  if (bindings.length === 1 || hit.clusterWide || hit.risk.requires?.length !== 1) return [hit];
  return bindings.map((binding) => {
    const matches = hit.matches.filter((match) => match.grant.binding === binding);
    const namespaces = [...new Set(matches.map((match) => match.grant.namespace))].filter((namespace) => hit.namespaces.includes(namespace));
    return { ...hit, matches, namespaces };
  });
}

function grantFinding(engine: RbacEngine, entries: GrantEntry[], holders: () => Map<string, AccountHolder[]>, options: FindingOptions): Finding {
  const { subject } = entries[0].hit;
  const binding = entries[0].hit.matches[0].grant.binding;
  const hidden = hiddenGrant(engine, binding, entries, options);
  // What the user suppressed no longer decides the severity, unless everything is suppressed.
  const counted = entries.some((entry) => !entry.finding.suppressed) ? entries.filter((entry) => !entry.finding.suppressed) : entries;
  let severity = counted.reduce<Severity>((worst, entry) => worstSeverity(worst, entry.severity), 'info');
  if (hidden.severity) severity = worstSeverity(severity, hidden.severity);
  const ranked = [...entries].sort((a, b) => Number(a.finding.suppressed) - Number(b.finding.suppressed) || severityRank(a.severity) - severityRank(b.severity));
  const lead = ranked[0];
  const scopeOf = (hit: RiskHit) => (hit.clusterWide ? 'cluster-wide' : `in namespace${hit.namespaces.length === 1 ? '' : 's'} ${hit.namespaces.join(', ')}`);
  const phrase = (entry: GrantEntry) => `${entry.hit.risk.title[0].toLowerCase()}${entry.hit.risk.title.slice(1)} ${scopeOf(entry.hit)}${entry.notes.length ? ` (${entry.notes.join('; ')})` : ''}`;
  const others = ranked.slice(1).map(phrase);
  const held = subject.kind === 'ServiceAccount' ? holders().get(`${subject.namespace ?? ''}\u0000${subject.name}`) ?? [] : [];
  const heldText = held.length
    ? ` Its token is held by ${held.slice(0, 3).map((holder) => `${holder.containers.length === 1 ? 'container' : 'containers'} ${holder.containers.map((name) => `"${name}"`).join(', ')} of ${describeRef(refOf(holder.workload))}`).join('; ')}${held.length > 3 ? ` and ${held.length - 3} more` : ''}.`
    : '';
  // A path of one step says what the risk already says ("lists secrets in every namespace").
  const path = lead.hit.path && pathLabels(lead.hit.path).length > 1 ? ` Escalation path to ${goalTitle(lead.hit.path.goal)}: ${describePath(lead.hit.path)}.` : '';
  const index = binding.subjects.findIndex((candidate) => {
    const bound = boundSubject(candidate, bindingNamespace(binding));
    return bound && bound.kind === subject.kind && bound.name === subject.name && (bound.namespace ?? '') === (subject.namespace ?? '');
  });
  const evidence: Record<string, unknown> = {
    subject: subjectJson(subject),
    binding: bindingRefJson(binding),
    risks: ranked.map((entry) => ({
      id: entry.hit.risk.id,
      severity: entry.severity,
      scope: entry.hit.clusterWide ? 'cluster' : 'namespaces',
      ...(entry.hit.clusterWide ? {} : { namespaces: entry.hit.namespaces }),
      ...(entry.notes.length ? { notes: entry.notes } : {}),
      grants: grantsJson(entry.hit.matches),
    })),
  };
  // every finding of the subject lists its holders: all of them, a chart of many bindings and pods made the report quadratic (2,000 of each: 1 GB)
  if (held.length) evidence.heldBy = held.slice(0, MAX_HELD_BY).map((holder) => ({ workload: refOf(holder.workload), containers: holder.containers }));
  if (held.length > MAX_HELD_BY) evidence.heldByTotal = held.length;
  if (hidden.reasons.length) evidence.hidden = hidden.reasons;
  if (lead.hit.path) evidence.escalationPath = { goal: lead.hit.path.goal, steps: pathLabels(lead.hit.path) };
  const finding: Finding = {
    ...lead.finding,
    severity,
    message: `${describeSubject(subject)}: ${phrase(lead)}: ${permissionsText(lead.hit)}.${others.length ? ` Also ${others.join('; ')}.` : ''}${hidden.reasons.length ? ` ${hidden.reasons.map((reason) => `${reason[0].toUpperCase()}${reason.slice(1)}`).join('. ')}.` : ''}${heldText}${path}`,
    evidence,
  };
  const location = locationOf(engine.inventory.provenanceOf(binding.object), index >= 0 ? ['subjects', index] : undefined);
  if (location) finding.location = location;
  return finding;
}

/** `RoleBinding shop/devs → ClusterRole edit`, once per grant: the subjects of a binding share its grants, and a group's hits list them all. */
const grantTexts = new WeakMap<Grant, string>();

function grantText(grant: Grant): string {
  let text = grantTexts.get(grant);
  if (text === undefined) {
    text = `${describeRbacRef(bindingRefJson(grant.binding))} → ${describeRbacRef(roleRefJson(grant.role))}`;
    grantTexts.set(grant, text);
  }
  return text;
}

/** `create pods/exec via RoleBinding shop/devs → ClusterRole edit`: what matched, per binding (the full rules are in the evidence). */
/**
 * The evidence's grants: each rule of each binding once, in the order first matched. A rule matches
 * once per check it answers (`bind` and `create` of one rule for rbac-bind), and a ClusterRoleBinding's
 * rule once per namespace where the risk holds: the same grant, said once.
 */
function grantsJson(matches: readonly CheckMatch[]): Record<string, unknown>[] {
  const seen = new Map<Grant, Set<PolicyRule>>();
  const grants: Record<string, unknown>[] = [];
  for (const match of matches) {
    let rules = seen.get(match.grant);
    if (!rules) seen.set(match.grant, (rules = new Set()));
    if (rules.has(match.rule)) continue;
    rules.add(match.rule);
    grants.push({ binding: bindingRefJson(match.grant.binding), role: roleRefJson(match.grant.role), rule: ruleJson(match.rule) });
  }
  return grants;
}

function permissionsText(hit: RiskHit): string {
  const grants = new Map<string, Set<string>>();
  for (const match of hit.matches) {
    const key = grantText(match.grant);
    const group = match.resource.group && match.resource.group !== '*' ? `.${match.resource.group}` : match.resource.group === '*' ? ' (all API groups)' : '';
    const names = match.onlyNames ? ` named ${match.onlyNames.join(',')}` : '';
    const permissions = grants.get(key) ?? new Set<string>();
    permissions.add(`${match.verb} ${match.resource.resource}${group}${names}`);
    grants.set(key, permissions);
  }
  return [...grants].map(([key, permissions]) => `${[...permissions].join(', ')} via ${key}`).join('; ');
}

/**
 * A grant that hides itself: the binding (or its role) is a Helm hook that deletes itself after it
 * ran, so the grant is gone by the time anyone audits the cluster; or a RoleBinding the chart places
 * outside its own namespace. Critical when the hidden grant reaches Secrets beyond its namespace
 * (or becomes cluster-admin), or lands in kube-system.
 */
function hiddenGrant(engine: RbacEngine, binding: BindingDef, entries: GrantEntry[], options: FindingOptions): { severity?: Severity; reasons: string[] } {
  const reasons: string[] = [];
  let severity: Severity | undefined;
  const role = engine.resolution(binding).role;
  const subject = entries[0].hit.subject;
  const ids = new Set(entries.map((entry) => entry.hit.risk.id));
  const readsSecrets = ids.has('rbac-read-secrets') || ids.has('rbac-cluster-admin') || entries.some((entry) => entry.hit.risk.id === 'rbac-get-secrets' && entry.hit.matches.some((match) => !match.onlyNames));
  const own = subject.kind === 'ServiceAccount' ? subject.namespace : undefined;
  const reachesBeyond =
    entries.some((entry) => (entry.hit.clusterWide || entry.hit.namespaces.some((namespace) => namespace !== own)) && (entry.hit.risk.id === 'rbac-read-secrets' || entry.hit.risk.id === 'rbac-cluster-admin')) ||
    entries.some((entry) => entry.hit.path && (!own || pathLeavesNamespace(entry.hit.path, own)));
  const deleting = [...new Set([...selfDeletingPolicies(binding.object), ...(role?.object ? selfDeletingPolicies(role.object) : [])])];
  if (deleting.length) {
    reasons.push(`it is a Helm hook that deletes itself after it runs (${deleting.join(', ')}): the grant will not be there when anyone looks`);
    if (reachesBeyond) severity = 'critical';
  }
  const outside = outsideNamespace(engine, binding, subject, options);
  if (outside && binding.namespace) {
    reasons.push(`the RoleBinding grants ${outside}`);
    severity = worstSeverity(severity ?? 'high', PRIVILEGED_NAMESPACES.includes(binding.namespace) || readsSecrets ? 'critical' : 'high');
  }
  return { severity, reasons };
}

/**
 * `in namespace kube-system, outside its account's namespace shop`: a RoleBinding that reaches out of
 * the namespace its ServiceAccount lives in, or (objects of a chart) out of the release namespace.
 */
function outsideNamespace(engine: RbacEngine, binding: BindingDef, subject: SubjectRef, options: FindingOptions): string | undefined {
  const namespace = binding.kind === 'RoleBinding' ? binding.namespace : undefined;
  if (!namespace) return undefined;
  const own = subject.kind === 'ServiceAccount' ? subject.namespace : undefined;
  if (own && namespace !== own) return `in namespace ${namespace}, outside its account's namespace ${own}`;
  const release = options.releaseNamespace;
  if (release && namespace !== release && engine.inventory.provenanceOf(binding.object)?.origin === 'chart') return `in namespace ${namespace}, outside the release namespace ${release}`;
  return undefined;
}
